/**
 * Bench child process: our LL-HLS HTTP adapter on 127.0.0.1 (ephemeral port), fed with the recorded
 * fixture fragments on command over IPC, so its CPU can be read from /proc apart from the load.
 *
 * IPC in:  { type: 'feed', n } | { type: 'stats' } | { type: 'next' } | { type: 'parts' }
 * IPC out: { type: 'ready', port } | { type: 'fed', atMs, dispatchMs, dispatchCpuMs } | { type: 'stats', stats }
 *          | { type: 'next', msn, part } | { type: 'parts', paths }
 */
import uWS from 'uWebSockets.js'
import { listenChild } from './procs.ts'
import { registerHlsRoutes, registerNotFound } from '../../origin/http/hls-routes.ts'
import { packagerConfig } from '../../origin/packager/config.ts'
import { blockingState, createLiveStore } from '../../origin/packager/live-store.ts'
import { partName } from '../../origin/packager/names.ts'
import { loadFixture } from '../../origin/packager/test-media.ts'

const wallMs = (): number => performance.timeOrigin + performance.now()
const fixture = loadFixture('av-160x90.cmaf')
const target = { event: 'bench', angle: 'main' }
const store = createLiveStore(packagerConfig())
const app = uWS.App()
const routes = registerHlsRoutes(app, store, { maxHeldRequests: 200_000, sweepMs: 100 })
registerNotFound(app)

const begin = Date.now()
store.begin(target, [{ name: 'hi', width: 160, height: 90, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 }], begin)
store.init(target, 'hi', fixture.init)
let fed = 0

function feedOne(): void {
  const frag = fixture.fragments[fed % fixture.fragments.length] ?? new Uint8Array(0)
  store.fragment(target, 'hi', frag, begin + Math.round((fed * 1000) / 3))
  fed++
}

for (let i = 0; i < 4; i++) feedOne()

type Msg = { type: 'feed'; n: number } | { type: 'stats' } | { type: 'next' } | { type: 'parts' }

process.on('message', (m: Msg) => {
  if (m.type === 'feed') {
    const atMs = wallMs()
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < m.n; i++) feedOne()
    // Waking held requests happens synchronously inside fragment(): this is the whole dispatch cost.
    const cpu = process.cpuUsage(cpu0)
    process.send?.({ type: 'fed', atMs, dispatchMs: wallMs() - atMs, dispatchCpuMs: (cpu.user + cpu.system) / 1000 })
  } else if (m.type === 'stats') {
    process.send?.({ type: 'stats', stats: routes.stats() })
  } else if (m.type === 'next') {
    const r = store.angle(target.event, target.angle)?.renditions.get('hi')?.packager
    const s = r === undefined ? undefined : blockingState(r)
    process.send?.({ type: 'next', msn: s?.nextMsn ?? 0, part: s?.openParts ?? 0 })
  } else if (m.type === 'parts') {
    const a = store.angle(target.event, target.angle)
    const r = a?.renditions.get('hi')?.packager
    const paths: string[] = []
    for (let seq = 0; r !== undefined && a !== undefined && seq < r.nextPartSeq; seq++) {
      if (r.part(seq)?.bytes != null) paths.push(`/live/bench/main/hi/${partName(a.stream, seq)}`)
    }
    process.send?.({ type: 'parts', paths })
  }
})

listenChild(app)
