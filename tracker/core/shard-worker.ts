/**
 * Worker-thread entry of one swarm shard: a {@link SwarmCore} driven by {@link ShardBatch}es
 * from the main thread, answering each with one {@link ShardReply}. Started by
 * tracker/shard-pool.ts with `workerData` = the core's {@link CoreConfig}.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { ClientMessage } from '../protocol/messages.ts'
import { SwarmCore, type CoreConfig } from './swarm-core.ts'
import { OUT, type ShardBatch, type ShardMessage, type ShardReply } from './shard-protocol.ts'

const port = parentPort
if (port === null) throw new Error('shard-worker.ts must run in a worker thread')

const changed = new Set<number>()
const NO_BYTES = new Uint8Array(0)
// Stand-in offer ids, one per position: an output offer's id tells which offer it was.
const OFFER_TAGS: Uint8Array[] = Array.from({ length: 64 }, () => new Uint8Array(0))

/** The core's view of a slim message; each offer's id is its index, so outputs can point back. */
function toClient(m: ShardMessage): ClientMessage {
  if (m.kind === 'answer') return { kind: 'answer', infoHash: m.infoHash, peerId: m.peerId, toPeerId: m.toPeerId, offerId: NO_BYTES, answer: NO_BYTES }
  const offers = Array.from({ length: m.offers }, (_, i) => ({ offerId: OFFER_TAGS[i] ?? NO_BYTES, offer: NO_BYTES }))
  return { kind: 'announce', infoHash: m.infoHash, peerId: m.peerId, event: m.event, numwant: m.numwant, offers }
}
const core = new SwarmCore(workerData as CoreConfig, (id) => changed.add(id))

/** Runs one batch against the core; a failing operation costs only itself. */
function runBatch(c: SwarmCore, batch: ShardBatch, touched: Set<number>, rng: () => number): ShardReply {
  const reply: ShardReply = { out: [], reasons: [], counts: [], scrapes: [], stats: [], expired: 0, totals: { connections: 0, peers: 0, swarms: 0, cells: 0 }, errors: 0 }
  const out = reply.out
  for (let k = 0; k < batch.ops.length; k++) {
    const op = batch.ops[k]
    if (op === undefined) continue
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
          for (const o of c.handle(op.conn, toClient(op.msg), batch.nowMs, rng, op.canJoin)) {
            if (o.type === 'reply') out.push(k, OUT.reply, o.to, o.complete, o.incomplete)
            else if (o.type === 'offer') out.push(k, OUT.offer, o.to, OFFER_TAGS.indexOf(o.offerId), 0)
            else if (o.type === 'answer') out.push(k, OUT.answer, o.to, 0, 0)
            else if (o.type === 'failure') out.push(k, OUT.failure, o.to, reply.reasons.push(o.reason) - 1, 0)
          }
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
  port.postMessage(runBatch(core, batch, changed, Math.random))
})
// Tells the pool this module loaded; startup errors surface as the worker's 'error' instead.
port.postMessage('ready')
