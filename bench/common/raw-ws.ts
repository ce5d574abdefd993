// A bare-TCP WebSocket client for the load processes (tracker and engagement benches): one process holds thousands with little memory.
import { connect, type Socket } from 'node:net'

const HANDSHAKE_END = Buffer.from('\r\n\r\n')
const PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0])
const CLOSE = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8])

/** Encodes a client text frame, masked with a zero key (legal, and free to apply). */
export function clientTextFrame(payload: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? 6 : n < 65536 ? 8 : 14
  const out = Buffer.alloc(head + n)
  out[0] = 0x81
  if (n < 126) out[1] = 0x80 | n
  else if (n < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(n, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeBigUInt64BE(BigInt(n), 2)
  }
  payload.copy(out, head)
  return out
}

/** Callbacks of one connection. */
export interface RawHandlers {
  /**
   * The upgrade is done; called before any frame that came with the 101 response is handled, so a
   * reply to the server's first message (hello → resume) has a client to go out on.
   */
  opened?(client: RawClient): void
  /** One complete text frame (the buffer is only valid during the call). */
  text(payload: Buffer): void
  /** The socket is gone (either side). */
  closed(): void
}

/** One raw connection to `127.0.0.1:port` + `path`, upgraded to WebSocket. */
export class RawClient {
  private pending: Buffer | undefined
  private upgraded = false
  closed = false
  /** Close code the server sent (1006 when the socket ended without a close frame). */
  closeCode = 1006
  /** Close reason the server sent. */
  closeReason = ''

  private constructor(
    private readonly socket: Socket,
    private readonly on: RawHandlers,
  ) {}

  /**
   * Connects from `localAddress` (a 127.0.0.x source spreads ephemeral ports) and completes the
   * upgrade; `cookie` ('' for none) goes in a Cookie header, as a browser sends its session cookie.
   */
  static open(port: number, path: string, localAddress: string, on: RawHandlers, cookie = '', timeoutMs = 30_000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress })
      socket.setNoDelay(true)
      const c = new RawClient(socket, on)
      let settled = false
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        reject(err)
      }
      const timer = setTimeout(() => fail(new Error('upgrade timeout')), timeoutMs)
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${String(port)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            (cookie !== '' ? `Cookie: ${cookie}\r\n` : '') +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        )
      })
      socket.on('data', (chunk: Buffer) => {
        if (c.upgraded) return c.feed(chunk)
        const buf = c.pending === undefined ? chunk : Buffer.concat([c.pending, chunk])
        const end = buf.indexOf(HANDSHAKE_END)
        if (end < 0) {
          c.pending = buf
          return
        }
        c.pending = undefined
        if (!buf.subarray(0, 12).toString().includes('101')) return fail(new Error(`upgrade refused: ${buf.subarray(0, Math.min(end, 200)).toString().split('\r\n')[0] ?? ''}`))
        c.upgraded = true
        settled = true
        clearTimeout(timer)
        on.opened?.(c)
        resolve(c)
        const rest = buf.subarray(end + 4)
        if (rest.length > 0) c.feed(rest)
      })
      socket.on('error', (err) => fail(err))
      socket.on('close', () => {
        fail(new Error('closed before the upgrade'))
        if (!c.closed) {
          c.closed = true
          if (c.upgraded) on.closed()
        }
      })
    })
  }

  private feed(chunk: Buffer): void {
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    for (;;) {
      if (buf.length < 2) break
      const opcode = (buf[0] ?? 0) & 0x0f
      let len = (buf[1] ?? 0) & 0x7f
      let off = 2
      if (len === 126) {
        if (buf.length < 4) break
        len = buf.readUInt16BE(2)
        off = 4
      } else if (len === 127) {
        if (buf.length < 10) break
        len = Number(buf.readBigUInt64BE(2))
        off = 10
      }
      if (buf.length < off + len) break
      const payload = buf.subarray(off, off + len)
      if (opcode === 0x1) this.on.text(payload)
      else if (opcode === 0x9 && !this.closed) this.socket.write(PONG)
      else if (opcode === 0x8) {
        if (payload.length >= 2) {
          this.closeCode = payload.readUInt16BE(0)
          this.closeReason = payload.subarray(2).toString('utf8')
        }
        this.destroy()
      }
      buf = buf.subarray(off + len)
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : undefined
  }

  /** Sends a text frame. */
  send(text: string): void {
    if (!this.closed) this.socket.write(clientTextFrame(Buffer.from(text)))
  }

  /** Sends a pre-encoded frame ({@link clientTextFrame}), so a hot loop encodes once and sends many times. */
  write(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame)
  }

  /** Closes politely (close frame, then FIN). */
  close(): void {
    if (this.closed) return
    this.socket.end(CLOSE)
  }

  /** Drops the connection at once (what a lost network looks like to the client). */
  destroy(): void {
    if (!this.closed) this.socket.destroy()
  }
}
