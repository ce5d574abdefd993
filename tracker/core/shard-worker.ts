/**
 * Worker-thread entry of one swarm shard: a {@link SwarmCore} driven by {@link ShardBatch}es
 * from the main thread, answering each with one {@link ShardReply}. Started by
 * tracker/shard-pool.ts with `workerData` = the core's {@link CoreConfig}.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { SwarmCore, type CoreConfig } from './swarm-core.ts'
import { bytesBuffers, type ShardBatch, type ShardReply } from './shard-protocol.ts'

const port = parentPort
if (port === null) throw new Error('shard-worker.ts must run in a worker thread')

const changed = new Set<number>()
const core = new SwarmCore(workerData as CoreConfig, (id) => changed.add(id))

/** Runs one batch against the core; a failing operation costs only itself. */
function runBatch(c: SwarmCore, batch: ShardBatch, touched: Set<number>, rng: () => number): ShardReply {
  const reply: ShardReply = { out: [], counts: [], scrapes: [], stats: [], expired: 0, totals: { connections: 0, peers: 0, swarms: 0, cells: 0 }, errors: 0 }
  for (const op of batch.ops) {
    try {
      switch (op.op) {
        case 'open':
          c.open(op.conn, op.namespace, op.locality)
          break
        case 'close':
          c.close(op.conn)
          touched.delete(op.conn)
          break
        case 'msg':
          for (const o of c.handle(op.conn, op.msg, batch.nowMs, rng, op.canJoin)) reply.out.push(o)
          break
        case 'scrape': {
          const r = c.handle(op.conn, { kind: 'scrape', infoHashes: op.infoHashes }, batch.nowMs, rng)[0]
          reply.scrapes.push([op.tag, r?.type === 'scrape' ? r.files : []])
          break
        }
        case 'sweep':
          reply.expired += c.sweep(batch.nowMs)
          break
        case 'stats':
          reply.stats.push([op.tag, c.stats(op.top)])
          break
      }
    } catch {
      reply.errors++
    }
  }
  for (const id of touched) reply.counts.push(id, c.connPeerCount(id))
  touched.clear()
  const s = c.stats(0)
  reply.totals = { connections: s.connections, peers: s.peers, swarms: s.swarms, cells: s.cells }
  return reply
}

port.on('message', (batch: ShardBatch) => {
  const reply = runBatch(core, batch, changed, Math.random)
  // The core keeps no offer or answer bytes, so their buffers can move back without a copy.
  port.postMessage(reply, bytesBuffers(reply.out as { offer?: Uint8Array; answer?: Uint8Array }[]))
})
// Tells the pool this module loaded; startup errors surface as the worker's 'error' instead.
port.postMessage('ready')
