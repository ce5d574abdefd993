/**
 * A raw WebSocket client for integration tests: records every frame and close, and waits for
 * frames matching a predicate.
 */
import { WebSocket } from 'ws'

/** A decoded tracker frame. */
export type TrackerFrame = Record<string, unknown>

/** Test client over the `ws` package. */
export class RawClient {
  readonly frames: TrackerFrame[] = []
  closeCode: number | undefined
  private waiters: (() => void)[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as TrackerFrame)
      this.wake()
    })
    ws.on('close', (code) => {
      this.closeCode = code
      this.wake()
    })
    ws.on('error', () => this.wake())
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Connects; rejects with the HTTP status on a refused upgrade. `ca` trusts a test certificate for wss. */
  static connect(url: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false, ...(ca !== undefined ? { ca } : {}) })
      const client = new RawClient(ws)
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode ?? 0}`)))
      ws.once('error', (err) => reject(err))
    })
  }

  /** Sends a text frame. */
  send(text: string): void {
    this.ws.send(text, { binary: false })
  }

  /** Sends raw bytes as a text (`binary` false) or binary frame, unchecked. */
  sendBytes(bytes: Uint8Array, binary: boolean): void {
    this.ws.send(bytes, { binary })
  }

  /** Waits for a frame matching `pred` (searching those already received first). */
  async next(pred: (f: TrackerFrame) => boolean, timeoutMs = 3000): Promise<TrackerFrame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.frames.find(pred)
      if (hit !== undefined) {
        this.frames.splice(this.frames.indexOf(hit), 1)
        return hit
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames).slice(0, 300)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Waits until the socket is closed; returns the close code. */
  async closed(timeoutMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    while (this.closeCode === undefined) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('socket not closed')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50))
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    return this.closeCode
  }

  /** Closes and waits for the close to finish. */
  async close(): Promise<void> {
    if (this.closeCode !== undefined) return
    this.ws.close()
    await this.closed().catch(() => this.ws.terminate())
  }
}
