/**
 * A minimal WebSocket client over a bare TCP socket, so one load process can hold thousands of
 * connections with little memory. Frames are masked with a zero key (legal, and free to apply).
 */
import { connect, type Socket } from 'node:net'

const HANDSHAKE_END = Buffer.from('\r\n\r\n')

/** Encodes a client text frame (masked with a zero key). */
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

const PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0])

/** One raw connection; `onText` sees each complete text frame. */
export class RawWs {
  private pending: Buffer | undefined
  private upgraded = false
  closed = false

  private constructor(
    readonly socket: Socket,
    private readonly onText: (payload: Buffer) => void,
  ) {}

  /** Connects from `localAddress` and completes the upgrade. */
  static open(port: number, localAddress: string, onText: (payload: Buffer) => void, timeoutMs = 10000): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress })
      socket.setNoDelay(true)
      const ws = new RawWs(socket, onText)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error('upgrade timeout'))
      }, timeoutMs)
      socket.once('connect', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        )
      })
      socket.on('data', (chunk: Buffer) => {
        if (!ws.upgraded) {
          const buf = ws.pending === undefined ? chunk : Buffer.concat([ws.pending, chunk])
          const end = buf.indexOf(HANDSHAKE_END)
          if (end < 0) {
            ws.pending = buf
            return
          }
          ws.pending = undefined
          if (!buf.subarray(0, 12).toString().includes('101')) {
            clearTimeout(timer)
            socket.destroy()
            reject(new Error(`upgrade refused: ${buf.subarray(0, 40).toString()}`))
            return
          }
          ws.upgraded = true
          clearTimeout(timer)
          resolve(ws)
          const rest = buf.subarray(end + 4)
          if (rest.length > 0) ws.feed(rest)
          return
        }
        ws.feed(chunk)
      })
      socket.on('error', (err) => {
        clearTimeout(timer)
        if (!ws.upgraded) reject(err)
      })
      socket.on('close', () => {
        ws.closed = true
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
      if (opcode === 0x1) this.onText(payload)
      else if (opcode === 0x9 && !this.closed) this.socket.write(PONG)
      buf = buf.subarray(off + len)
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : undefined
  }

  /** Sends a pre-encoded frame. */
  write(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame)
  }

  /** Drops the connection. */
  destroy(): void {
    this.closed = true
    this.socket.destroy()
  }
}
