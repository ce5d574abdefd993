/**
 * The one-machine demo behind `npm start`: tracker, origin and engagement in one process with the
 * embedded backends (PGlite, in-process bus), plus two synthetic cameras for event `demo` — angle
 * `main` over RTMP and angle `wide` over SRT. Environment variables configure each service as usual
 * (`ORIGIN_*`, `TRACKER_*`, `ENGAGEMENT_*`, `DATABASE_URL`, `REDIS_URL`).
 */
import { randomBytes } from 'node:crypto'
import { createLogger } from '../common/log.ts'
import { installProcessHandlers } from '../common/run-service.ts'
import { loadTrackerConfig } from '../tracker/config.ts'
import { startTracker } from '../tracker/server.ts'
import { loadOriginConfig } from '../origin/config.ts'
import { startOrigin } from '../origin/server.ts'
import { loadEngagementConfig } from '../engagement/config.ts'
import { startEngagement } from '../engagement/server.ts'
import { startSyntheticCamera } from '../origin/demo/cameras.ts'
import { openDatabase } from '../engagement/platform/storage.ts'
import { ensureDemoEvent } from './demo-event.ts'

const log = createLogger('demo')
installProcessHandlers(log)

async function main(): Promise<void> {
  const adminToken = randomBytes(24).toString('base64url')
  const internalToken = randomBytes(24).toString('base64url')
  const keys = { main: `demo-main-${randomBytes(8).toString('hex')}`, wide: `demo-wide-${randomBytes(8).toString('hex')}` }

  // One random secret per start: the engagement service signs tracker admission tokens with it, the
  // tracker requires them, so the demo runs placement and tokens exactly as a deployment does.
  const trackerSecret = randomBytes(32).toString('base64url')
  const trackerConfig = loadTrackerConfig({ env: process.env, overrides: { jwtSecret: trackerSecret, jwtRequired: true, dev: true } })
  const tracker = await startTracker(trackerConfig, createLogger('tracker', trackerConfig.logLevel))

  const engagementConfig = loadEngagementConfig(process.env, {
    dev: true,
    originAdminToken: adminToken,
    internalToken,
    trackerJwtSecret: trackerSecret,
  })
  const db = await openDatabase(engagementConfig)
  await ensureDemoEvent(db, 'demo')
  const engagement = await startEngagement(engagementConfig, { db })

  const originConfig = loadOriginConfig({
    env: process.env,
    overrides: {
      adminToken,
      internalToken,
      engagementUrl: `http://127.0.0.1:${String(engagement.port)}`,
      streamKeys: [
        { key: keys.main, event: 'demo', angle: 'main', label: 'Main camera' },
        { key: keys.wide, event: 'demo', angle: 'wide', label: 'Wide shot' },
      ],
    },
  })
  const origin = await startOrigin(originConfig)

  const cameras = [
    startSyntheticCamera({ url: `rtmp://127.0.0.1:${String(origin.rtmpPort)}/live/${keys.main}`, label: 'MAIN' }),
    startSyntheticCamera({
      url: `srt://127.0.0.1:${String(origin.srtPort)}?streamid=publish:${keys.wide}${originConfig.srtPassphrase === '' ? '' : `&passphrase=${originConfig.srtPassphrase}`}`,
      label: 'WIDE',
    }),
  ]

  const web = `http://localhost:${String(engagement.port)}`
  const lines = [
    '',
    'Swarmstage is running. Open:',
    `  viewer           ${web}/e/demo`,
    `  sign up / in     ${web}/signup  ${web}/signin`,
    `  multivariant     http://localhost:${String(origin.httpPort)}/live/demo/main/master.m3u8`,
    `  angles           http://localhost:${String(origin.httpPort)}/live/demo/angles.json`,
    `  tracker stats    http://localhost:${String(tracker.port)}/stats`,
    `  API description  ${web}/api/openapi.json`,
    ...(engagement.gateway !== null ? [`  real-time        ws://localhost:${String(engagement.gateway.port)}/v1/events/demo  (health: http://localhost:${String(engagement.gateway.port)}/health)`] : []),
    `  publish (OBS)    rtmp://localhost:${String(origin.rtmpPort)}/live/<stream key from the creator page>`,
    'Press Ctrl+C to stop.',
    '',
  ]
  process.stdout.write(lines.join('\n') + '\n')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    void (async () => {
      for (const c of cameras) await c.stop()
      await origin.close()
      await engagement.close()
      await db.close()
      await tracker.close()
      process.exit(0)
    })()
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'demo failed to start')
  process.exit(1)
})
