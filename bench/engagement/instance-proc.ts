// One engagement instance under test in its own process: startEngagement (API + real-time gateway), configured by ENGAGEMENT_* env vars.
//
// The service exactly as `npm run engagement` starts it (same config loader, `startEngagement`
// with `gatewayEnabled`), in a process whose pid /proc accounts for: tsx runs in-process, so CPU
// and RSS are the server's alone. Reports `{ type: 'ready', apiPort, gatewayPort, transport, pid }`
// over IPC and answers `{ cmd: 'gc' }` with its memory after a full collection (run with
// --expose-gc); SIGTERM closes it. BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile there on exit.
import { installProcessHandlers } from '../../common/run-service.ts'
import { createLogger } from '../../common/log.ts'
import { loadEngagementConfig } from '../../engagement/config.ts'
import { startEngagement } from '../../engagement/server.ts'

const config = loadEngagementConfig(process.env)
if (!config.gatewayEnabled) throw new Error('the bench needs the gateway in each instance (ENGAGEMENT_GATEWAY_ENABLED)')
installProcessHandlers(createLogger('engagement-bench', config.logLevel))
const server = await startEngagement(config)
const gw = server.gateway
if (gw === null) throw new Error('startEngagement started no gateway')
process.send?.({ type: 'ready', apiPort: server.port, gatewayPort: gw.port, transport: gw.transport, pid: process.pid })

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'gc') {
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    gc?.()
    process.send?.({ type: 'gc', gc: gc !== undefined, connections: gw.hub.connections, ...process.memoryUsage() })
  }
})
let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(1), 10_000).unref()
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGTERM', stop)
process.on('disconnect', stop)
