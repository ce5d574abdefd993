/**
 * The floor for the tracker benchmark: a bare uWebSockets.js relay that does only what no tracker
 * serving this load can avoid, and nothing a tracker needs beyond that.
 *
 * Per announce it replies once (about 100 bytes, with `"interval"` so the load generator counts
 * it) and sends the sender's bytes to 5 random other connections of its group, as 5 frames of the
 * size our tracker's forwarded offers have. It does no JSON parsing or validation, no swarm state,
 * no rate limits; it keeps only the socket work our tracker also does: frames copied once out of
 * uWS's buffer, queued per socket, and written with one corked write per socket per I/O turn
 * (the same {@link Outbox} as tracker/host.ts). Its CPU per announce is what the socket path
 * alone costs on this machine, so a target below it is below what any design on uWS here can reach.
 */
import { Buffer } from 'node:buffer'
import type * as UwsModule from 'uWebSockets.js'
import type { WebSocket } from 'uWebSockets.js'
import { emptyQueue, Outbox, type OutQueue } from '../../tracker/outbox.ts'

type Uws = typeof UwsModule

interface Conn extends OutQueue {
  ws: WebSocket<{ conn?: Conn }>
  group: number
  slot: number
  open: boolean
}

/** Relay shape; the defaults match the tracker benchmark's load. */
export interface FloorOptions {
  /** Connections are grouped round-robin into this many swarms. */
  groups: number
  /** Frames relayed per announce. */
  fanout: number
}

/** Starts the floor relay on 127.0.0.1 with an ephemeral port. */
export async function startFloorRelay(opts: FloorOptions): Promise<{ port: number; close: () => Promise<void>; counters: () => Record<string, number> }> {
  const uws = ((await import('uWebSockets.js')) as { default: Uws }).default
  const app = uws.App()
  const groups: Conn[][] = Array.from({ length: opts.groups }, () => [])
  const box = new Outbox()
  let dirty: Conn[] = []
  let scheduled = false
  let joined = 0
  const counters = { framesSent: 0, socketWrites: 0 }
  const reply = Buffer.from('{"action":"announce","interval":60,"info_hash":"AAAAAAAAAAAAAAAAAAAA","complete":0,"incomplete":100}')

  const flush = (): void => {
    scheduled = false
    const list = dirty
    dirty = []
    for (const c of list) {
      const frames = box.take(c)
      if (!c.open) continue
      counters.framesSent += frames.length
      counters.socketWrites++
      c.ws.cork(() => {
        for (const f of frames) c.ws.send(f, false, false)
      })
    }
    box.reset(Date.now())
  }

  const queue = (c: Conn, src: Uint8Array, start: number, len: number): void => {
    if (!box.reserve(len)) {
      flush()
      box.reserve(len)
    }
    box.buf.set(src.subarray(start, start + len), box.at)
    if (c.head < 0) dirty.push(c)
    box.push(c, len)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }

  app.ws<{ conn?: Conn }>('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: 1 << 16,
    maxBackpressure: 1 << 20,
    idleTimeout: 120,
    open: (ws) => {
      const group = joined++ % opts.groups
      const list = groups[group] as Conn[]
      const conn: Conn = { ws, group, slot: list.length, open: true, ...emptyQueue() }
      list.push(conn)
      ws.getUserData().conn = conn
    },
    message: (ws, message) => {
      const c = ws.getUserData().conn
      if (c === undefined) return
      const bytes = new Uint8Array(message)
      queue(c, reply, 0, reply.length)
      const peers = groups[c.group] as Conn[]
      // Our tracker relays about (message bytes / 5 + a 150-byte head) per offer.
      const each = Math.min(bytes.length, Math.floor(bytes.length / opts.fanout) + 150)
      for (let k = 0; k < opts.fanout && peers.length > 1; k++) {
        let t = peers[Math.floor(Math.random() * peers.length)] as Conn
        if (t === c) t = peers[(t.slot + 1) % peers.length] as Conn
        queue(t, bytes, 0, each)
      }
    },
    close: (ws) => {
      const c = ws.getUserData().conn
      if (c === undefined) return
      c.open = false
      const peers = groups[c.group] as Conn[]
      const last = peers.pop() as Conn
      if (last !== c) {
        peers[c.slot] = last
        last.slot = c.slot
      }
    },
  })
  const token = await new Promise<UwsModule.us_listen_socket | false>((resolve) => {
    app.listen('127.0.0.1', 0, resolve)
  })
  if (token === false) throw new Error('floor relay could not listen')
  return {
    port: uws.us_socket_local_port(token),
    counters: () => ({ ...counters }),
    close: () => {
      uws.us_listen_socket_close(token)
      return Promise.resolve()
    },
  }
}
