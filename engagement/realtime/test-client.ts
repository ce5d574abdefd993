// A WebSocket test client for gateway tests: connects (cookie, Origin, token), collects frames, waits for them and for the close.
import WebSocket from 'ws'
import type { ServerMessage } from '../../common/wire/realtime.ts'

/** How a test connection ended. */
export interface Closed {
  code: number
  reason: string
}

/** A refused upgrade. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${String(status)}: ${body}`)
  }
}

/** One client connection with everything it received. */
export class TestSocket {
  readonly got: ServerMessage[] = []
  readonly closed: Promise<Closed>
  private readonly waiters = new Set<() => void>()

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        for (const w of [...this.waiters]) w()
      })
    })
    ws.on('message', (data) => {
      this.got.push(JSON.parse(String(data)) as ServerMessage)
      for (const w of [...this.waiters]) w()
    })
  }

  /** Connects; rejects with {@link UpgradeRefused} when the gateway answers the upgrade with an HTTP status. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false })
      const s = new TestSocket(ws)
      ws.once('open', () => resolve(s))
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)))
      })
      ws.once('error', reject)
    })
  }

  /** Sends a frame (an object is JSON-encoded; a string goes as is). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Ordered items (with seq) received so far. */
  seqs(): number[] {
    return this.got.flatMap((m) => ('seq' in m && m.type !== 'hello' && m.type !== 'snapshot' ? [m.seq] : []))
  }

  /** Resolves with the first received message matching `pred` (from index `from`); rejects on close or timeout. */
  next<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, timeoutMs = 15_000, from = 0): Promise<T> {
    return this.until(() => this.got.slice(from).find(pred) as T | undefined, timeoutMs, 'a matching message')
  }

  /** Resolves once `count` messages matching `pred` have arrived. */
  count(pred: (m: ServerMessage) => boolean, count: number, timeoutMs = 15_000): Promise<ServerMessage[]> {
    return this.until(
      () => {
        const hits = this.got.filter(pred)
        return hits.length >= count ? hits : undefined
      },
      timeoutMs,
      `${String(count)} matching messages`,
    )
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      let closed = false
      void this.closed.then(() => (closed = true))
      const check = (): boolean => {
        const hit = probe()
        if (hit !== undefined) {
          done()
          resolve(hit)
          return true
        }
        if (closed || this.ws.readyState === WebSocket.CLOSED) {
          done()
          reject(new Error(`connection closed before ${what}; got ${JSON.stringify(this.got.map((m) => m.type))}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no ${what} within ${String(timeoutMs)} ms; got ${JSON.stringify(this.got.map((m) => m.type))}`))
      }, timeoutMs)
      const onEvent = (): void => void check()
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(onEvent)
      }
      this.waiters.add(onEvent)
      check()
    })
  }

  close(): Promise<Closed> {
    this.ws.close()
    return this.closed
  }
}
