/**
 * RTMP front (adapter): a TCP server that runs one {@link RtmpSession} per connection, asks the
 * ingest to admit the publish before any transcoding, and pipes the remuxed FLV into ffmpeg.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { addressGroup } from '../../../common/client-address.ts'
import type { Logger } from '../../../common/log.ts'
import type { Ingest, Publisher } from '../ingest.ts'
import type { AttemptLimiter } from '../rate-limit.ts'
import { DEFAULT_CHUNK_LIMITS, type ChunkLimits } from './chunk.ts'
import { RtmpSession, type RtmpAction } from './session.ts'

/** RTMP front settings. */
export interface RtmpServerOptions {
  host: string
  port: number
  ingest: Ingest
  logger: Logger
  /** Time allowed from accept to an accepted publish. */
  handshakeTimeoutMs: number
  /** Time allowed from accept to the `publish` command (shorter: no key check is waited for). */
  publishDeadlineMs: number
  /** Most concurrent connections. */
  maxConnections: number
  /** Most not-yet-admitted connections per address group (IPv4 address, IPv6 /64). */
  maxPendingPerAddress: number
  limits?: ChunkLimits
  /** Publish attempts per remote address (shared with the SRT front). */
  limiter: AttemptLimiter
}

/** A listening RTMP front. */
export interface RtmpServer {
  port: number
  close(): Promise<void>
}

/** Starts the RTMP front. */
export async function startRtmpServer(o: RtmpServerOptions): Promise<RtmpServer> {
  const sockets = new Set<Socket>()
  const pending = new Map<string, number>()
  const server: Server = createServer((socket) => {
    const group = addressGroup(socket.remoteAddress ?? '')
    const held = pending.get(group) ?? 0
    if (sockets.size >= o.maxConnections || held >= o.maxPendingPerAddress) {
      o.ingest.noteRefused('rtmp', sockets.size >= o.maxConnections ? 'TOO_MANY_CONNECTIONS' : 'TOO_MANY_PENDING', true)
      socket.destroy()
      return
    }
    sockets.add(socket)
    pending.set(group, held + 1)
    let counted = true
    // An admitted publisher (or a closed socket) frees its address's pending slot.
    const release = (): void => {
      if (!counted) return
      counted = false
      const left = (pending.get(group) ?? 1) - 1
      if (left <= 0) pending.delete(group)
      else pending.set(group, left)
    }
    socket.once('close', () => {
      sockets.delete(socket)
      release()
    })
    handleConnection(socket, o, release)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve())
  })
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : o.port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function handleConnection(socket: Socket, o: RtmpServerOptions, admitted: () => void): void {
  const log = o.logger.child({ remote: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}` })
  const session = new RtmpSession({ random: (n) => randomBytes(n), limits: o.limits ?? DEFAULT_CHUNK_LIMITS })
  socket.setNoDelay(true)
  let publisher: Publisher | undefined
  let closed = false
  let paused = false
  let asked = false
  const timer = setTimeout(() => {
    if (!session.publishing) finish('handshake timeout')
  }, o.handshakeTimeoutMs)
  const deadline = setTimeout(() => {
    if (!asked) finish('publish deadline')
  }, Math.min(o.publishDeadlineMs, o.handshakeTimeoutMs))

  const finish = (why: string): void => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    clearTimeout(deadline)
    log.info({ why }, 'rtmp connection closed')
    publisher?.disconnect()
    socket.end()
    // Give the final onStatus a moment to leave, then drop the socket regardless.
    setTimeout(() => socket.destroy(), 500).unref()
  }

  const run = (actions: RtmpAction[]): void => {
    for (const a of actions) {
      if (closed) return
      switch (a.kind) {
        case 'send':
          socket.write(a.bytes)
          break
        case 'flv':
          if (publisher !== undefined && !publisher.writeFlv(a.bytes, a.keyframe) && !paused) {
            // ffmpeg is behind: stop reading so TCP pushes back on the publisher.
            paused = true
            socket.pause()
            publisher.onceWritable(() => {
              paused = false
              if (!closed) socket.resume()
            })
          }
          break
        case 'publish-start':
          break
        case 'close':
          finish(a.detail === undefined ? a.reason : `${a.reason}: ${a.detail}`)
          break
        case 'authorize':
          asked = true
          clearTimeout(deadline)
          socket.pause()
          authorize(a.streamKey).catch((err: unknown) => {
            // Only this connection pays for a failure of the admission path.
            log.error({ err: (err as Error).message }, 'rtmp admission failed')
            finish('internal error')
          })
          break
      }
    }
  }

  const authorize = async (streamKey: string): Promise<void> => {
    if (!o.limiter.take(socket.remoteAddress ?? '', Date.now())) {
      o.ingest.noteRefused('rtmp', 'RATE_LIMITED')
      run(session.authorized(false, 'RATE_LIMITED'))
      return
    }
    const r = await o.ingest.admit(streamKey, 'rtmp', {
      input: { kind: 'flv' },
      replayHeader: () => session.replayHeader(),
      kick: (why) => finish(why),
    })
    if (closed) {
      if (r.ok) r.publisher.disconnect()
      return
    }
    if (r.ok) {
      publisher = r.publisher
      admitted()
    }
    run(session.authorized(r.ok, r.ok ? 'ok' : r.reason))
    if (!paused) socket.resume()
  }

  socket.on('data', (data: Buffer) => {
    try {
      run(session.receive(data))
    } catch (err) {
      // The session is pure and should not throw; if it does, only this connection pays.
      log.error({ err: (err as Error).message }, 'rtmp session failure')
      finish('internal error')
    }
  })
  socket.on('error', () => finish('socket error'))
  socket.on('close', () => finish('socket closed'))
}
