import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpKeyStore, parseKeyDecision } from './http-key-store.ts'
import { ChainKeyStore, MemoryKeyStore } from './memory-key-store.ts'

describe('MemoryKeyStore', () => {
  it('authorizes configured keys, refuses unknown and revoked ones', async () => {
    const s = new MemoryKeyStore([{ key: 'k1', event: 'e', angle: 'main', label: 'Main' }])
    expect(await s.authorize('k1')).toEqual({ ok: true, target: { event: 'e', angle: 'main' }, label: 'Main' })
    expect(await s.authorize('nope')).toEqual({ ok: false, reason: 'UNKNOWN_KEY' })
    s.revoke('k1')
    expect(await s.authorize('k1')).toEqual({ ok: false, reason: 'REVOKED_KEY' })
  })
})

describe('ChainKeyStore', () => {
  it('takes the first ok, else the first refusal', async () => {
    const a = new MemoryKeyStore([{ key: 'a', event: 'e', angle: 'x' }])
    a.revoke('a')
    const b = new MemoryKeyStore([{ key: 'a', event: 'e', angle: 'y' }, { key: 'b', event: 'e', angle: 'z' }])
    const chain = new ChainKeyStore([a, b])
    expect(await chain.authorize('a')).toEqual({ ok: true, target: { event: 'e', angle: 'y' } })
    expect(await new ChainKeyStore([a, new MemoryKeyStore()]).authorize('a')).toEqual({ ok: false, reason: 'REVOKED_KEY' })
  })

  it('treats a rejecting store as KEY_STORE_UNAVAILABLE and still asks the next one', async () => {
    const down = { authorize: () => Promise.reject(new Error('down')) }
    const b = new MemoryKeyStore([{ key: 'b', event: 'e', angle: 'z' }])
    expect(await new ChainKeyStore([down, b]).authorize('b')).toEqual({ ok: true, target: { event: 'e', angle: 'z' } })
    expect(await new ChainKeyStore([new MemoryKeyStore(), down]).authorize('x')).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })
  })
})

describe('parseKeyDecision', () => {
  it.each<[unknown, unknown]>([
    [{ ok: true, target: { event: 'e', angle: 'a' } }, { ok: true, target: { event: 'e', angle: 'a' } }],
    [{ ok: false, reason: 'EVENT_NOT_LIVE' }, { ok: false, reason: 'EVENT_NOT_LIVE' }],
    [{ ok: false, reason: 'WHATEVER' }, undefined],
    [{ ok: true, target: { event: '../x', angle: 'a' } }, undefined],
    [{ ok: true }, undefined],
    ['yes', undefined],
    [null, undefined],
  ])('%j → %j', (body, expected) => {
    expect(parseKeyDecision(body)).toEqual(expected)
  })
})

describe('HttpKeyStore against a real HTTP server', () => {
  let server: Server
  let url = ''
  const seen: { auth?: string; body: string }[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body })
        const key = (JSON.parse(body) as { streamKey: string }).streamKey
        if (req.url !== '/api/internal/stream-keys/authorize') res.writeHead(404).end()
        else if (key === 'good') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"target":{"event":"e","angle":"main"},"label":"L"}')
        else if (key === 'boom') res.writeHead(500).end('oops')
        else if (key === 'garbage') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":')
        else if (key === 'reset') req.socket.destroy()
        else if (key === 'nobody') res.writeHead(401).end('no')
        else res.writeHead(403, { 'content-type': 'application/json' }).end('{"ok":false,"reason":"REVOKED_KEY"}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const addr = server.address()
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/`
  })
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()))
  })

  it('posts the key with the bearer token and maps the answers', async () => {
    const s = new HttpKeyStore({ engagementUrl: url, internalToken: 'tok' })
    expect(await s.authorize('good')).toEqual({ ok: true, target: { event: 'e', angle: 'main' }, label: 'L' })
    expect(await s.authorize('old')).toEqual({ ok: false, reason: 'REVOKED_KEY' })
    expect(await s.authorize('boom')).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })
    expect(await s.authorize('garbage')).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })
    expect(await s.authorize('reset')).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })
    expect(await s.authorize('nobody')).toEqual({ ok: false, reason: 'UNKNOWN_KEY' })
    expect(seen[0]).toEqual({ auth: 'Bearer tok', body: '{"streamKey":"good"}' })
  })

  it('refuses when the service is unreachable', async () => {
    const s = new HttpKeyStore({ engagementUrl: 'http://127.0.0.1:1', internalToken: 'tok', timeoutMs: 500 })
    expect(await s.authorize('good')).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })
  })
})
