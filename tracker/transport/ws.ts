/**
 * Fallback transport on node:http(s) and the `ws` package, for hosts where uWebSockets.js cannot
 * load. Same admission, host and endpoints as the uWS transport.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { readFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket, type RawData } from 'ws'
import type { TrackerConfig } from '../config.ts'
import type { Sink, TrackerHost } from '../host.ts'
import { ADMISSION_STATUS, admit, splitTarget, type TokenVerifier, type UpgradeRequest } from '../admission.ts'
import type { HttpReply, Listening } from './types.ts'

class WsSink implements Sink {
  alive = true
  constructor(readonly ws: WebSocket) {}
  sendBatch(frames: Uint8Array[]): number {
    // ws may queue a frame past this call, and the host reuses the memory: copy.
    for (const f of frames) this.ws.send(Buffer.from(f), { binary: false })
    return 0
  }
  buffered(): number {
    return this.ws.bufferedAmount
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason)
    // A client that does not complete the closing handshake is cut after a grace period.
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }
}

function header(req: IncomingMessage, name: string): string {
  if (name === '') return ''
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

/** Starts the `ws` transport on `config.host:config.port`. */
export async function listenWs(
  config: TrackerConfig,
  host: TrackerHost,
  verifier: TokenVerifier,
  http: (path: string) => Promise<HttpReply>,
): Promise<Listening> {
  const server: Server =
    config.tlsCertFile !== '' ? createHttpsServer({ cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) }) : createHttpServer()
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false })
  const sinks = new Set<WsSink>()
  let pending = 0

  server.on('request', (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405).end('method not allowed')
      return
    }
    const target = splitTarget(req.url ?? '')
    if (target === undefined) {
      res.writeHead(400).end('bad request')
      return
    }
    http(target.path)
      .then((r) => {
        res.writeHead(Number(r.status.slice(0, 3)), { 'content-type': r.type, 'cache-control': 'no-store' }).end(r.body)
      })
      .catch(() => res.writeHead(500).end('error'))
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    if (host.connections + pending >= config.maxConnections) {
      refuse(socket, ADMISSION_STATUS.TOO_MANY_CONNECTIONS)
      return
    }
    const target = splitTarget(req.url ?? '')
    if (target === undefined) {
      refuse(socket, '400 Bad Request')
      return
    }
    const request: UpgradeRequest = {
      path: target.path,
      query: target.query,
      origin: header(req, 'origin'),
      localityHeader: header(req, config.localityHeader),
      forwardedFor: config.trustedProxies.length === 0 ? '' : header(req, 'x-forwarded-for'),
      remoteIp: req.socket.remoteAddress ?? '',
    }
    pending++
    admit(request, config, verifier)
      .then((a) => {
        pending--
        if (!a.ok) {
          refuse(socket, ADMISSION_STATUS[a.code])
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          const sink = new WsSink(ws)
          sinks.add(sink)
          const id = host.open(sink, a.namespace, a.locality)
          ws.on('message', (data, isBinary) => host.message(id, toBytes(data), !isBinary))
          ws.on('pong', () => {
            sink.alive = true
          })
          ws.on('error', () => ws.terminate())
          ws.on('close', () => {
            sinks.delete(sink)
            host.closed(id)
          })
        })
      })
      .catch(() => {
        pending--
        refuse(socket, '500 Internal Server Error')
      })
  })

  // Heartbeat: a client silent for two ping rounds is cut, like uWS's idleTimeout.
  const heartbeat = setInterval(
    () => {
      for (const s of sinks) {
        if (!s.alive) s.ws.terminate()
        else {
          s.alive = false
          s.ws.ping()
        }
      }
    },
    (config.idleTimeoutSec * 1000) / 2,
  )
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : config.port,
    transport: 'ws',
    close: async () => {
      clearInterval(heartbeat)
      host.closeAll()
      for (const s of sinks) s.ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
