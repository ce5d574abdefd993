// The naive baseline of the engagement bench: a plain `ws` server that broadcasts one message per vote to every subscriber.
//
// What a first implementation looks like (the `ws` README's broadcast example plus Redis pub/sub so
// two instances share the votes, as Socket.IO's Redis adapter does): a vote frame is counted with
// INCR, published, acknowledged; each instance sends every published count to each of its clients.
// No batching, no ticks, no durability, no backpressure handling. Reports `{ port, pid }` over IPC
// and answers `{ cmd: 'gc' }` with its memory after a full collection (run with --expose-gc).
import { WebSocketServer, WebSocket } from 'ws'
import { Redis } from 'ioredis'

const redisUrl = process.argv[2] ?? 'redis://127.0.0.1:6379'
const prefix = process.argv[3] ?? 'bench:baseline:'
const channel = `${prefix}votes`

const pub = new Redis(redisUrl, { maxRetriesPerRequest: 2 })
const sub = new Redis(redisUrl, { maxRetriesPerRequest: 2 })
// When the bench stops an overloaded baseline, its Redis sockets may break mid-write.
pub.on('error', () => undefined)
sub.on('error', () => undefined)
await sub.subscribe(channel)
sub.on('message', (_ch: string, text: string) => {
  for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text)
})

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 4096, perMessageDeflate: false })
wss.on('connection', (ws) => {
  ws.on('error', () => undefined)
  ws.on('message', (data) => {
    let msg: { type?: unknown; pollId?: unknown; ref?: unknown }
    try {
      msg = JSON.parse(String(data)) as typeof msg
    } catch {
      return
    }
    if (msg.type !== 'vote' || typeof msg.pollId !== 'string' || typeof msg.ref !== 'string') return
    const pollId = msg.pollId
    const ref = msg.ref
    void pub
      .incr(`${prefix}poll:${pollId}`)
      .then(async (total) => {
        await pub.publish(channel, JSON.stringify({ type: 'poll', poll: { id: pollId, totalVotes: total } }))
        ws.send(JSON.stringify({ type: 'ack', ref }))
      })
      .catch(() => ws.send(JSON.stringify({ type: 'error', code: 'INTERNAL', message: 'redis failed', ref })))
  })
})
await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
const addr = wss.address()
process.send?.({ type: 'ready', port: typeof addr === 'object' && addr !== null ? addr.port : 0, pid: process.pid })

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'gc') {
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    gc?.()
    process.send?.({ type: 'gc', gc: gc !== undefined, ...process.memoryUsage() })
  }
})
const stop = (): void => {
  for (const c of wss.clients) c.terminate()
  wss.close()
  void Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('disconnect', stop)
