// Fallback transport on node:http and `ws`: the same admission, hub and endpoints, with topic fan-out by hand.
import { createServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket, type RawData } from 'ws'
import { REALTIME_MAX_CLIENT_FRAME_BYTES } from '../../common/wire/realtime.ts'
import { STATUS_TEXT, type UpgradeRequest } from './admission.ts'
import { CLOSE, type Fanout, type GatewaySocket } from './hub.ts'
import { refusalBody, type Listening, type TransportDeps } from './transport-types.ts'

/** Topic subscriptions of the `ws` transport. */
class Topics implements Fanout {
  readonly subs = new Map<string, Set<WsSocket>>()
  constructor(private readonly closeAboveBytes: number) {}
  publish(topic: string, text: string): void {
    const set = this.subs.get(topic)
    if (set === undefined) return
    for (const s of set) {
      // Like uWS's closeOnBackpressureLimit: a socket that stopped reading is cut, it resumes later.
      if (s.buffered() > this.closeAboveBytes) s.close(CLOSE.policy, 'too slow')
      else s.ws.send(text)
    }
  }
}

class WsSocket implements GatewaySocket {
  alive = true
  readonly topics = new Set<string>()
  constructor(
    readonly ws: WebSocket,
    private readonly all: Topics,
  ) {}
  send(text: string): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false
    this.ws.send(text)
    return true
  }
  cork(fn: () => void): void {
    fn()
  }
  buffered(): number {
    return this.ws.bufferedAmount
  }
  subscribe(topic: string): void {
    let set = this.all.subs.get(topic)
    if (set === undefined) this.all.subs.set(topic, (set = new Set()))
    set.add(this)
    this.topics.add(topic)
  }
  unsubscribe(topic: string): void {
    const set = this.all.subs.get(topic)
    set?.delete(this)
    if (set !== undefined && set.size === 0) this.all.subs.delete(topic)
    this.topics.delete(topic)
  }
  dropTopics(): void {
    for (const t of [...this.topics]) this.unsubscribe(t)
  }
  close(code: number, reason: string): void {
    this.dropTopics()
    this.ws.close(code, reason)
    // A client that does not complete the closing handshake is cut after a grace period.
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(', ') : (v ?? '')
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = refusalBody({ code, message })
  socket.end(`HTTP/1.1 ${STATUS_TEXT[status] ?? `${String(status)} Refused`}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`)
}

function toText(data: RawData): { text: string; bytes: number } {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
  return { text: buf.toString('utf8'), bytes: buf.byteLength }
}

/** Starts the gateway on `ws`. */
export async function listenWs(deps: TransportDeps): Promise<Listening> {
  const { hub } = deps
  const topics = new Topics(deps.closeAboveBytes)
  hub.attach(topics)
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true, maxPayload: REALTIME_MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false })
  const sockets = new Set<WsSocket>()

  server.on('request', (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'application/json' }).end(refusalBody({ code: 'METHOD_NOT_ALLOWED', message: 'GET only' }))
      return
    }
    deps
      .http((req.url ?? '/').split('?')[0] ?? '/')
      .then((r) => res.writeHead(Number(r.status.slice(0, 3)), { 'content-type': r.type, 'cache-control': 'no-store' }).end(r.body))
      .catch(() => res.writeHead(500).end())
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    if (hub.atCapacity()) {
      refuse(socket, 503, 'TOO_MANY_CONNECTIONS', 'this gateway is full; try another')
      return
    }
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const request: UpgradeRequest = {
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      origin: header(req, 'origin'),
      host: header(req, 'host'),
      cookie: header(req, 'cookie'),
      remoteIp: req.socket.remoteAddress ?? '',
      forwardedFor: deps.trustedProxies.length === 0 ? '' : header(req, 'x-forwarded-for'),
    }
    deps
      .admit(request)
      .then((a) => {
        if (!a.ok) {
          refuse(socket, a.status, a.code, a.message)
          return
        }
        if (socket.destroyed) {
          hub.abandon(a.identity.eventId)
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          const s = new WsSocket(ws, topics)
          sockets.add(s)
          const id = hub.open(s, a.identity)
          ws.on('message', (data, isBinary) => {
            const { text, bytes } = toText(data)
            hub.message(id, text, bytes, isBinary)
          })
          ws.on('pong', () => {
            s.alive = true
          })
          ws.on('error', () => ws.terminate())
          ws.on('close', () => {
            s.dropTopics()
            sockets.delete(s)
            hub.closed(id)
          })
        })
      })
      .catch(() => refuse(socket, 503, 'UNAVAILABLE', 'the gateway cannot admit connections right now'))
  })

  // Heartbeat: a client silent for two ping rounds is cut, like uWS's idleTimeout.
  const heartbeat = setInterval(
    () => {
      for (const s of sockets) {
        if (!s.alive) s.ws.terminate()
        else {
          s.alive = false
          s.ws.ping()
        }
      }
    },
    (deps.idleTimeoutSec * 1000) / 2,
  )
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(deps.port, deps.host, () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : deps.port,
    transport: 'ws',
    close: async () => {
      clearInterval(heartbeat)
      hub.closeAll()
      for (const s of sockets) s.ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
