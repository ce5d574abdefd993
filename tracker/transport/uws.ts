/**
 * uWebSockets.js transport: WebSocket upgrade with admission, frames into the {@link TrackerHost},
 * and the HTTP endpoints. Native backpressure limits close a client that stops reading.
 */
import { Buffer } from 'node:buffer'
import type * as UwsModule from 'uWebSockets.js'
import type { TemplatedApp, WebSocket, HttpRequest, HttpResponse, us_listen_socket } from 'uWebSockets.js'
import type { TrackerConfig } from '../config.ts'
import type { Sink, TrackerHost } from '../host.ts'
import { ADMISSION_STATUS, admit, admitSync, type TokenVerifier, type UpgradeRequest } from '../admission.ts'
import type { HttpReply, Listening } from './types.ts'

type Uws = typeof UwsModule

interface UserData {
  id: number
  namespace: string
  locality: string
}

class UwsSink implements Sink {
  constructor(private readonly ws: WebSocket<UserData>) {}
  sendBatch(frames: Uint8Array[]): number {
    let dropped = 0
    // One cork, one write for all of them; send() returns 2 when the native limit dropped it.
    this.ws.cork(() => {
      for (const f of frames) if (this.ws.send(f, false, false) === 2) dropped++
    })
    return dropped
  }
  buffered(): number {
    return this.ws.getBufferedAmount()
  }
  close(code: number, reason: string): void {
    this.ws.end(code, reason)
  }
}

/** Loads uWebSockets.js, or returns undefined when its native binary cannot load here. */
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

/**
 * Every `X-Forwarded-For` line, joined in order as node:http does. getHeader returns only the
 * first, which a client can send itself ahead of a proxy (HAProxy) that adds its own line.
 */
function forwardedFor(req: HttpRequest): string {
  const parts: string[] = []
  req.forEach((key, value) => {
    if (key === 'x-forwarded-for') parts.push(value)
  })
  return parts.join(', ')
}

/** Starts the uWS app on `config.host:config.port`. */
export async function listenUws(
  uws: Uws,
  config: TrackerConfig,
  host: TrackerHost,
  verifier: TokenVerifier,
  http: (path: string) => Promise<HttpReply>,
): Promise<Listening> {
  const tls = config.tlsCertFile !== ''
  const app: TemplatedApp = tls ? uws.SSLApp({ cert_file_name: config.tlsCertFile, key_file_name: config.tlsKeyFile }) : uws.App()
  let pending = 0

  app.ws<UserData>('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: config.maxMessageBytes,
    maxBackpressure: config.closeAboveBytes,
    closeOnBackpressureLimit: 1,
    idleTimeout: config.idleTimeoutSec,
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
        localityHeader: config.localityHeader === '' ? '' : req.getHeader(config.localityHeader.toLowerCase()),
        forwardedFor: config.trustedProxies.length === 0 ? '' : forwardedFor(req),
        remoteIp: Buffer.from(res.getRemoteAddressAsText()).toString(),
      }
      const key = req.getHeader('sec-websocket-key')
      const protocol = req.getHeader('sec-websocket-protocol')
      const extensions = req.getHeader('sec-websocket-extensions')
      const refuse = (status: string): void => {
        if (!aborted) res.cork(() => res.writeStatus(status).end())
      }
      if (host.connections + pending >= config.maxConnections) {
        refuse(ADMISSION_STATUS.TOO_MANY_CONNECTIONS)
        return
      }
      const needsToken = config.jwtRequired || (verifier.configured && request.query.includes('token='))
      if (!needsToken) {
        const a = admitSync(request, config)
        if (!a.ok) refuse(ADMISSION_STATUS[a.code])
        else res.upgrade<UserData>({ id: 0, namespace: a.namespace, locality: a.locality }, key, protocol, extensions, context)
        return
      }
      pending++
      admit(request, config, verifier)
        .then((a) => {
          pending--
          if (aborted) return
          if (!a.ok) refuse(ADMISSION_STATUS[a.code])
          else res.cork(() => res.upgrade<UserData>({ id: 0, namespace: a.namespace, locality: a.locality }, key, protocol, extensions, context))
        })
        .catch(() => {
          pending--
          refuse('500 Internal Server Error')
        })
    },
    open: (ws) => {
      const d = ws.getUserData()
      d.id = host.open(new UwsSink(ws), d.namespace, d.locality)
    },
    message: (ws, message, isBinary) => {
      // uWS has already rejected text frames that are not UTF-8 (RFC 6455 §8.1).
      host.message(ws.getUserData().id, Buffer.from(message), !isBinary)
    },
    close: (ws) => {
      host.closed(ws.getUserData().id)
    },
  })

  app.any('/*', (res, req) => {
    let aborted = false
    res.onAborted(() => {
      aborted = true
    })
    const path = req.getUrl()
    const method = req.getMethod()
    if (method !== 'get') {
      reply(res, { status: '405 Method Not Allowed', type: 'text/plain', body: 'method not allowed' })
      return
    }
    http(path)
      .then((r) => {
        if (!aborted) reply(res, r)
      })
      .catch(() => {
        if (!aborted) reply(res, { status: '500 Internal Server Error', type: 'text/plain', body: 'error' })
      })
  })

  const token = await new Promise<us_listen_socket | false>((resolve) => {
    app.listen(config.host, config.port, resolve)
  })
  if (token === false) throw new Error(`tracker could not listen on ${config.host}:${config.port}`)
  return {
    port: uws.us_socket_local_port(token),
    transport: 'uws',
    close: () => {
      uws.us_listen_socket_close(token)
      host.closeAll()
      // close() exists on this build's apps but is missing from its typings.
      ;(app as TemplatedApp & { close?: () => void }).close?.()
      return Promise.resolve()
    },
  }
}
