// One engagement instance under test in its own process: the API and its real-time gateway, configured by ENGAGEMENT_* env vars.
//
// The service as `npm run engagement` builds it (buildApp with the same config), plus the gateway
// with the polls and talk features, as one process whose pid /proc accounts for (tsx runs
// in-process, so CPU and RSS are the server's alone). Reports `{ type: 'ready', apiPort,
// gatewayPort, transport, pid }` over IPC and answers `{ cmd: 'gc' }` with its memory after a full
// collection (run with --expose-gc); SIGTERM closes the gateway and the app.
import { installProcessHandlers } from '../../common/run-service.ts'
import { loadEngagementConfig } from '../../engagement/config.ts'
import { buildApp } from '../../engagement/server.ts'
import { startGateway } from '../../engagement/realtime/gateway.ts'
import { registerPollsGateway } from '../../engagement/interaction/polls/polls-gateway.ts'
import { registerTalkGateway } from '../../engagement/interaction/talk.ts'

const config = loadEngagementConfig(process.env)
const { app, ctx } = await buildApp(config)
installProcessHandlers(ctx.log)
await app.listen({ port: config.port, host: config.host })
const addr = app.server.address()
const gw = await startGateway(ctx, [registerPollsGateway, registerTalkGateway])
process.send?.({ type: 'ready', apiPort: typeof addr === 'object' && addr !== null ? addr.port : config.port, gatewayPort: gw.port, transport: gw.transport, pid: process.pid })

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
  void gw
    .close()
    .then(() => app.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    )
}
process.on('SIGTERM', stop)
process.on('disconnect', stop)
