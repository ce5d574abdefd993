/**
 * Writing uWS responses: corked status + headers + body, with backpressure for large bodies, and an
 * abort flag so nothing touches a response after `onAborted`.
 */
import type { HttpResponse } from 'uWebSockets.js'

/** A response plus whether the client went away or it was already answered. */
export interface Reply {
  res: HttpResponse
  /** Set by `onAborted` or after the last byte went out; no further writes then. */
  closed: boolean
  /** A HEAD request: send status and headers with the body's Content-Length, but no body. */
  head: boolean
}

/** Wraps a response and registers `onAborted` (uWS requires it before any asynchronous answer). */
export function reply(res: HttpResponse, onAbort?: () => void, head = false): Reply {
  const r: Reply = { res, closed: false, head }
  res.onAborted(() => {
    r.closed = true
    onAbort?.()
  })
  return r
}

/** Header name/value pairs, written in order. */
export type Headers = readonly (readonly [string, string])[]

const EMPTY = new Uint8Array(0)

/**
 * Sends status, headers and body in one corked write. A body the socket cannot take at once is
 * streamed from `onWritable` as the client drains it.
 */
export function send(r: Reply, status: string, headers: Headers, body: Uint8Array | string = EMPTY, onDone?: () => void): void {
  if (r.closed) return
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const res = r.res
  res.cork(() => {
    res.writeStatus(status)
    for (const [k, v] of headers) res.writeHeader(k, v)
    if (r.head) {
      res.endWithoutBody(bytes.byteLength)
      r.closed = true
      onDone?.()
      return
    }
    const start = res.getWriteOffset()
    const [ok, done] = res.tryEnd(bytes, bytes.byteLength)
    if (done) {
      r.closed = true
      onDone?.()
      return
    }
    if (ok) return
    res.onWritable((offset) => {
      if (r.closed) return true
      const [ok2, done2] = res.tryEnd(bytes.subarray(offset - start), bytes.byteLength)
      if (done2) {
        r.closed = true
        onDone?.()
      }
      return ok2
    })
  })
}

/** `Date`/`Last-Modified` format (RFC 9110 IMF-fixdate). */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString()
}

/** Whether the client accepts gzip (`q=0` refuses it). */
export function acceptsGzip(acceptEncoding: string): boolean {
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';')
    if (name.trim() !== 'gzip' && name.trim() !== '*') continue
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  }
  return false
}
