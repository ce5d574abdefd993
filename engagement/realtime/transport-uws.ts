// uWebSockets.js transport: upgrade with admission, native topic pub/sub for fan-out, /health and /metrics.
import { Buffer } from 'node:buffer'
import type * as UwsModule from 'uWebSockets.js'
import type { TemplatedApp, WebSocket, HttpRequest, HttpResponse, us_listen_socket } from 'uWebSockets.js'
import { REALTIME_MAX_CLIENT_FRAME_BYTES } from '../../common/wire/realtime.ts'
import { STATUS_TEXT, type Identity, type UpgradeRequest } from './admission.ts'
import type { GatewaySocket } from './hub.ts'
import { refusalBody, type HttpReply, type Listening, type TransportDeps } from './transport-types.ts'

type Uws = typeof UwsModule

interface UserData {
  /** The hub's connection id; 0 until registered (see `open`). */
  id: number
  identity: Identity
  /** Closed before the hub registered it. */
  gone: boolean
}

class UwsSocket implements GatewaySocket {
  constructor(private readonly ws: WebSocket<UserData>) {}
  send(text: string): boolean {
    let status = 0
    this.ws.cork(() => {
      status = this.ws.send(text, false, false)
    })
    // 2 = dropped by the native backpressure limit (the socket is being closed).
    return status !== 2
  }
  cork(fn: () => void): void {
    this.ws.cork(fn)
  }
  buffered(): number {
    return this.ws.getBufferedAmount()
  }
  subscribe(topic: string): void {
    this.ws.subscribe(topic)
  }
  unsubscribe(topic: string): void {
    this.ws.unsubscribe(topic)
  }
  close(code: number, reason: string): void {
    this.ws.end(code, reason)
  }
}

/** Loads uWebSockets.js, or undefined when its native binary cannot load here. */
export async function loadUws(): Promise<Uws | undefined> {
  try {
    const mod = (await import('uWebSockets.js')) as { default: Uws }
    return mod.default
  } catch {
    return undefined
  }
}

function reply(res: HttpResponse, r: HttpReply): void {
  res.cork(() => {
    res.writeStatus(r.status).writeHeader('content-type', r.type).writeHeader('cache-control', 'no-store').end(r.body)
  })
}

/** Every `X-Forwarded-For` line joined in order (getHeader returns only the first). */
function forwardedFor(req: HttpRequest): string {
  const parts: string[] = []
  req.forEach((key, value) => {
    if (key === 'x-forwarded-for') parts.push(value)
  })
  return parts.join(', ')
}

/** Starts the gateway on uWS. */
export async function listenUws(uws: Uws, deps: TransportDeps): Promise<Listening> {
  const app: TemplatedApp = uws.App()
  const { hub } = deps
  hub.attach({ publish: (topic, text) => void app.publish(topic, text, false, false) })

  app.ws<UserData>('/*', {
    compression: uws.DISABLED,
    // uWS closes a connection whose frame is larger (the client sees 1006/1009).
    maxPayloadLength: REALTIME_MAX_CLIENT_FRAME_BYTES,
    maxBackpressure: deps.closeAboveBytes,
    closeOnBackpressureLimit: 1,
    idleTimeout: deps.idleTimeoutSec,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      let aborted = false
      res.onAborted(() => {
        aborted = true
      })
      // Copy everything out of req now: it is invalid after this callback returns.
      const request: UpgradeRequest = {
        path: req.getUrl(),
        query: req.getQuery() ?? '',
        origin: req.getHeader('origin'),
        host: req.getHeader('host'),
        cookie: req.getHeader('cookie'),
        remoteIp: Buffer.from(res.getRemoteAddressAsText()).toString(),
        forwardedFor: deps.trustedProxies.length === 0 ? '' : forwardedFor(req),
      }
      const key = req.getHeader('sec-websocket-key')
      const protocol = req.getHeader('sec-websocket-protocol')
      const extensions = req.getHeader('sec-websocket-extensions')
      const refuse = (status: number, code: string, message: string): void => {
        if (!aborted) reply(res, { status: STATUS_TEXT[status] ?? `${String(status)} Refused`, type: 'application/json', body: refusalBody({ code, message }) })
      }
      if (hub.atCapacity()) {
        refuse(503, 'TOO_MANY_CONNECTIONS', 'this gateway is full; try another')
        return
      }
      deps
        .admit(request)
        .then((a) => {
          if (!a.ok) {
            refuse(a.status, a.code, a.message)
            return
          }
          if (aborted) {
            hub.abandon(a.identity.eventId)
            return
          }
          res.cork(() => res.upgrade<UserData>({ id: 0, identity: a.identity, gone: false }, key, protocol, extensions, context))
        })
        .catch(() => {
          refuse(503, 'UNAVAILABLE', 'the gateway cannot admit connections right now')
        })
    },
    open: (ws) => {
      const d = ws.getUserData()
      const socket = new UwsSocket(ws)
      // Registered (subscribe, hello) on the next turn, not inside this callback: this build of uWS
      // (20.30) sometimes closed a socket without a close frame (1006) right after an async, corked
      // upgrade whose open handler subscribed and sent (polls-gateway.test.ts caught it under load).
      // The client sends nothing before hello, so no frame waits for the registration.
      setImmediate(() => {
        if (d.gone) hub.abandon(d.identity.eventId)
        else d.id = hub.open(socket, d.identity)
      })
    },
    message: (ws, message, isBinary) => {
      // uWS has already refused text frames that are not UTF-8.
      hub.message(ws.getUserData().id, Buffer.from(message).toString('utf8'), message.byteLength, isBinary)
    },
    close: (ws) => {
      const d = ws.getUserData()
      d.gone = true
      hub.closed(d.id)
    },
  })

  app.any('/*', (res, req) => {
    let aborted = false
    res.onAborted(() => {
      aborted = true
    })
    const path = req.getUrl()
    if (req.getMethod() !== 'get') {
      reply(res, { status: '405 Method Not Allowed', type: 'application/json', body: refusalBody({ code: 'METHOD_NOT_ALLOWED', message: 'GET only' }) })
      return
    }
    deps
      .http(path)
      .then((r) => {
        if (!aborted) reply(res, r)
      })
      .catch(() => {
        if (!aborted) reply(res, { status: '500 Internal Server Error', type: 'application/json', body: refusalBody({ code: 'INTERNAL', message: 'error' }) })
      })
  })

  const token = await new Promise<us_listen_socket | false>((resolve) => {
    app.listen(deps.host, deps.port, resolve)
  })
  if (token === false) throw new Error(`gateway could not listen on ${deps.host}:${String(deps.port)}`)
  return {
    port: uws.us_socket_local_port(token),
    transport: 'uws',
    close: () => {
      uws.us_listen_socket_close(token)
      hub.closeAll()
      ;(app as TemplatedApp & { close?: () => void }).close?.()
      return Promise.resolve()
    },
  }
}
