import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeApp } from '../test-support.ts'

const REQUIRED = [
  'register', 'login', 'logout', 'me', 'enrollTotp', 'confirmTotp', 'stepUp', 'listSessions', 'revokeSession',
  'createEvent', 'getEvent', 'listEvents', 'createStreamKey', 'revokeStreamKey', 'startStream', 'endStream',
  'getMonetization', 'updateMonetization', 'listAuditLog', 'grantRole', 'revokeEventRole', 'listEventRoles',
]

describe('OpenAPI, client config, health, metrics, SPA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-static-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Swarmstage</title>')
  writeFileSync(join(dir, 'app.js'), 'console.log(1)')
  const t = await makeApp({ staticDir: dir, publicOriginUrl: 'https://origin.example', publicTrackerUrls: ['wss://t.example'], publicRealtimeUrl: 'wss://live.example', iceServers: [{ urls: 'stun:stun.example:3478' }] })
  afterAll(() => t.close())

  it('OpenAPI 3 covers every route with the agreed operationIds', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(r.statusCode).toBe(200)
    const doc = r.json<{ openapi: string; paths: Record<string, Record<string, { operationId?: string; responses?: object }>> }>()
    expect(doc.openapi).toMatch(/^3\./)
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p))
    const ids = ops.map((o) => o.operationId)
    for (const id of REQUIRED) expect(ids).toContain(id)
    expect(ops.every((o) => typeof o.operationId === 'string')).toBe(true)
    // Every registered API route (not the static files) appears in the document.
    const routes = t.app.printRoutes({ commonPrefix: false }).split('\n')
    const registered = routes
      .map((l) => /([\w/:.-]+) \(([A-Z, ]+)\)$/.exec(l))
      // Static files (`/`, `app.js`, `index.html`) are not API routes.
      .filter((m) => m !== null && m[1] !== '/' && !/^[a-z]+\.(js|html)$/.test(m[1] ?? ''))
      .flatMap((m) => (m?.[2] ?? '').split(', ').filter((x) => x !== 'HEAD'))
    expect(registered.length).toBeGreaterThan(20)
    expect(ops.length).toBe(registered.length)
  })

  it('client-config tells the viewer where things are', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/client-config' })
    expect(r.json()).toEqual({ originBaseUrl: 'https://origin.example', trackerUrls: ['wss://t.example'], iceServers: [{ urls: 'stun:stun.example:3478' }], realtimeUrl: 'wss://live.example' })
  })

  it('client-config defaults to the host the viewer reached us on', async () => {
    const d = await makeApp({})
    try {
      const r = await d.app.inject({ method: 'GET', url: '/api/client-config', headers: { host: '192.0.2.7:8080' } })
      expect(r.json()).toEqual({ originBaseUrl: 'http://192.0.2.7:8081', trackerUrls: ['ws://192.0.2.7:8000'], iceServers: [], realtimeUrl: 'ws://192.0.2.7:8082' })
    } finally {
      await d.close()
    }
  })

  it('health and metrics', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'ok', service: 'engagement' })
    await t.app.inject({ method: 'GET', url: '/api/events' })
    const m = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(m.body).toContain('engagement_http_requests_total')
  })

  it('serves the built app with SPA fallback for non-API paths', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/app.js' })).body).toBe('console.log(1)')
    const deep = await t.app.inject({ method: 'GET', url: '/signin' })
    expect(deep.statusCode).toBe(200)
    expect(deep.body).toContain('<title>Swarmstage</title>')
    expect((await t.app.inject({ method: 'GET', url: '/api/unknown' })).statusCode).toBe(404)
    // A missing bundle is a 404, never the HTML fallback (browsers refuse HTML as a module).
    expect((await t.app.inject({ method: 'GET', url: '/assets/gone-1234.js' })).statusCode).toBe(404)
    expect(deep.headers['cache-control']).toBe('no-cache')
  })
})
