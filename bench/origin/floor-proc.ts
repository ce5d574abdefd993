/**
 * Bench child process: the floor for waking held requests — a bare uWebSockets.js server that holds
 * every GET and, on `feed`, answers all of them with one fixed playlist-sized body. No parsing, no
 * packaging, no per-request headers beyond ours. Same IPC as server-proc.ts, so the blocking bench
 * drives both identically and reports ours ÷ floor.
 *
 * IPC in:  { type: 'feed', n } | { type: 'stats' } | { type: 'next' } | { type: 'body', bytes }
 * IPC out: { type: 'ready', port } | { type: 'fed', atMs, dispatchMs, dispatchCpuMs } | { type: 'stats', stats }
 *          | { type: 'next', msn, part }
 */
import uWS from 'uWebSockets.js'
import { listenChild } from './procs.ts'
import type { HttpResponse } from 'uWebSockets.js'

const wallMs = (): number => performance.timeOrigin + performance.now()

interface Held {
  res: HttpResponse
  aborted: boolean
}

let held: Held[] = []
let body = Buffer.alloc(2048, 0x23)
const app = uWS.App()
app.get('/*', (res) => {
  const h: Held = { res, aborted: false }
  res.onAborted(() => {
    h.aborted = true
  })
  held.push(h)
})

type Msg = { type: 'feed'; n: number } | { type: 'stats' } | { type: 'next' } | { type: 'body'; bytes: number }

process.on('message', (m: Msg) => {
  if (m.type === 'feed') {
    const atMs = wallMs()
    const cpu0 = process.cpuUsage()
    const list = held
    held = []
    for (const h of list) {
      if (h.aborted) continue
      h.res.cork(() => {
        h.res.writeStatus('200 OK')
        h.res.writeHeader('Content-Type', 'application/vnd.apple.mpegurl')
        h.res.writeHeader('Cache-Control', 'public, max-age=3')
        h.res.end(body)
      })
    }
    const cpu = process.cpuUsage(cpu0)
    process.send?.({ type: 'fed', atMs, dispatchMs: wallMs() - atMs, dispatchCpuMs: (cpu.user + cpu.system) / 1000 })
  } else if (m.type === 'stats') {
    process.send?.({ type: 'stats', stats: { held: held.length } })
  } else if (m.type === 'next') {
    process.send?.({ type: 'next', msn: 0, part: 0 })
  } else {
    body = Buffer.alloc(Math.max(1, Math.min(m.bytes, 1 << 20)), 0x23)
    process.send?.({ type: 'body' })
  }
})

listenChild(app)
