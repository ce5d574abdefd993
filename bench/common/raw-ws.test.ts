// The load processes' raw WebSocket client against a real `ws` server: upgrade, frames of every length encoding, ping, close.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { IncomingMessage } from 'node:http'
import { RawClient, clientTextFrame } from './raw-ws.ts'

// 7-bit, 16-bit and 64-bit payload lengths.
const SIZES = [5, 300, 70_000]
const text = (n: number): string => 'x'.repeat(n - 1) + String(n % 10)

describe('raw WebSocket client', () => {
  let wss: WebSocketServer
  let port = 0
  const server: { ws: WebSocket | null; got: string[]; cookie: string; path: string } = { ws: null, got: [], cookie: '', path: '' }
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (info: { req: IncomingMessage }) => info.req.url !== '/refuse' })
    await new Promise<void>((resolve) => wss.once('listening', resolve))
    port = (wss.address() as AddressInfo).port
    wss.on('connection', (ws, req) => {
      server.ws = ws
      server.cookie = req.headers.cookie ?? ''
      server.path = req.url ?? ''
      ws.on('message', (m: Buffer) => server.got.push(m.toString()))
      ws.send('hello')
    })
  })
  afterAll(async () => new Promise<void>((resolve) => wss.close(() => resolve())))

  it('upgrades with path and cookie, carries text both ways, answers pings, and reports the close code', async () => {
    const received: string[] = []
    let closed = 0
    let openedFirst = false
    const c = await RawClient.open(port, '/v1/x', '127.0.0.1', {
      opened: () => {
        openedFirst = received.length === 0
      },
      text: (p) => received.push(p.toString()),
      closed: () => closed++,
    }, 'sid=abc')
    expect(openedFirst).toBe(true)
    await expect.poll(() => received).toEqual(['hello'])
    expect([server.path, server.cookie]).toEqual(['/v1/x', 'sid=abc'])
    for (const n of SIZES) server.ws?.send(text(n))
    await expect.poll(() => received.length).toBe(1 + SIZES.length)
    expect(received.slice(1)).toEqual(SIZES.map(text))
    for (const n of SIZES) c.send(text(n))
    c.write(clientTextFrame(Buffer.from('pre-encoded')))
    await expect.poll(() => server.got.length).toBe(SIZES.length + 1)
    expect(server.got).toEqual([...SIZES.map(text), 'pre-encoded'])
    const pong = new Promise<string>((resolve) => server.ws?.once('pong', (d: Buffer) => resolve(d.toString())))
    server.ws?.ping()
    expect(await pong).toBe('')
    server.ws?.close(4001, 'bye')
    await expect.poll(() => closed).toBe(1)
    expect([c.closed, c.closeCode, c.closeReason]).toEqual([true, 4001, 'bye'])
  })

  it('a refused upgrade rejects with the status line', async () => {
    await expect(RawClient.open(port, '/refuse', '127.0.0.1', { text: () => undefined, closed: () => undefined })).rejects.toThrow(/upgrade refused: HTTP\/1.1 401/)
  })
})
