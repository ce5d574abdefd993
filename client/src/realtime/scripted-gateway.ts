// Test support: a scripted gateway on a real `ws` server (records client frames, sends what a test says, drops connections).
import { createRequire } from 'node:module'
import type * as Ws from 'ws'
import type { ServerMessage } from '../../../common/wire/realtime.ts'

// The client project resolves packages with the `browser` condition, where `ws` is a stub: load its Node build.
export const { WebSocketServer, WebSocket } = createRequire(import.meta.url)('ws') as typeof Ws
export type ServerSocket = Ws.WebSocket

/** A scripted gateway: records what clients send, lets the test send frames and drop connections. */
export class ScriptedGateway {
  readonly wss: Ws.WebSocketServer
  readonly received: Record<string, unknown>[][] = []
  readonly sockets: ServerSocket[] = []
  readonly urls: string[] = []
  onClient: (ws: ServerSocket, index: number) => void = () => undefined

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    this.wss.on('connection', (ws, req) => {
      const i = this.sockets.length
      this.sockets.push(ws)
      this.urls.push(req.url ?? '')
      this.received.push([])
      ws.on('message', (d) => this.received[i]?.push(JSON.parse(String(d)) as Record<string, unknown>))
      this.onClient(ws, i)
    })
  }

  listening(): Promise<void> {
    return new Promise((r) => (this.wss.address() === null ? this.wss.once('listening', () => r()) : r()))
  }

  get url(): string {
    const a = this.wss.address()
    return typeof a === 'object' && a !== null ? `ws://127.0.0.1:${a.port}` : ''
  }

  send(i: number, m: ServerMessage): void {
    this.sockets[i]?.send(JSON.stringify(m))
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.terminate()
    return new Promise((r) => this.wss.close(() => r()))
  }
}

