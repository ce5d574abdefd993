/**
 * A bare keep-alive HTTP/1.1 client over one TCP socket for load generation: one request in flight,
 * responses framed by Content-Length. Much cheaper per request than node:http, so the load
 * generator is not what limits the figures.
 */
import { connect, type Socket } from 'node:net'

/** One completed response. */
export interface RawResponse {
  status: number
  bodyBytes: number
  /** Wall clock (ms, sub-ms precision) when the last byte arrived. */
  atMs: number
}

export const wallMs = (): number => performance.timeOrigin + performance.now()

const CRLF2 = Buffer.from('\r\n\r\n')

/** A keep-alive connection to 127.0.0.1. */
export class RawConnection {
  private buf: Buffer = Buffer.alloc(0)
  private pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined
  private header: { status: number; length: number; headerBytes: number } | undefined

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => this.onData(d))
    socket.on('error', (e) => this.fail(e))
    socket.on('close', () => this.fail(new Error('connection closed')))
  }

  /** Opens a connection to 127.0.0.1:`port`. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => resolve(new RawConnection(s)))
      s.once('error', reject)
    })
  }

  /** Sends a GET and resolves with the response once its body is complete. */
  get(path: string, extraHeaders = ''): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHeaders}\r\n`)
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private fail(e: Error): void {
    const p = this.pending
    this.pending = undefined
    p?.reject(e)
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
    for (;;) {
      if (this.header === undefined) {
        const end = this.buf.indexOf(CRLF2)
        if (end < 0) return
        const head = this.buf.subarray(0, end).toString('latin1')
        const status = Number(head.slice(9, 12))
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
        this.header = { status, length: m === null ? 0 : Number(m[1]), headerBytes: end + 4 }
      }
      const total = this.header.headerBytes + this.header.length
      if (this.buf.length < total) return
      const res: RawResponse = { status: this.header.status, bodyBytes: this.header.length, atMs: wallMs() }
      this.buf = this.buf.subarray(total)
      this.header = undefined
      const p = this.pending
      this.pending = undefined
      p?.resolve(res)
    }
  }
}

/** Opens `n` connections, `batch` at a time (keeps the listen backlog from overflowing). */
export async function openMany(port: number, n: number, batch = 256): Promise<RawConnection[]> {
  const out: RawConnection[] = []
  while (out.length < n) {
    const k = Math.min(batch, n - out.length)
    out.push(...(await Promise.all(Array.from({ length: k }, () => RawConnection.open(port)))))
  }
  return out
}
