import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeApp } from '../test-support.ts'

function staticDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ss-csp-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Swarmstage</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)')
  return dir
}

const directives = (csp: string): Map<string, string[]> => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]))

describe('security headers on every response', async () => {
  const prod = await makeApp({ dev: false, staticDir: staticDir(), publicOriginUrl: 'https://origin.example:8443/live/', publicTrackerUrls: ['wss://t1.example/e', 'wss://t2.example:444'], publicRealtimeUrl: 'wss://live.example/' })
  const dev = await makeApp({ dev: true })
  afterAll(async () => {
    await prod.close()
    await dev.close()
  })

  const responses = [
    ['API (public)', 'GET', '/api/events'],
    ['API (refused)', 'GET', '/api/auth/me'],
    ['API (validation error)', 'GET', '/api/events?limit=abc'],
    ['static asset', 'GET', '/assets/app-1234.js'],
    ['SPA fallback', 'GET', '/e/demo'],
    ['static 404', 'GET', '/assets/gone-1.js'],
    ['API 404', 'GET', '/api/nope'],
    ['health', 'GET', '/health'],
    ['method not allowed / unknown', 'PATCH', '/api/events'],
  ] as const

  it.each(responses)('%s: strict CSP, HSTS outside dev, nosniff, referrer policy, COOP', async (_name, method, url) => {
    const r = await prod.app.inject({ method, url })
    const csp = directives(String(r.headers['content-security-policy']))
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'self'"])
    expect(csp.get('img-src')).toEqual(["'self'", 'data:'])
    expect(csp.get('media-src')).toEqual(["'self'", 'blob:'])
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:'])
    expect(csp.get('connect-src')).toEqual(["'self'", 'https://origin.example:8443', 'wss://t1.example', 'wss://t2.example:444', 'wss://live.example'])
    expect(String(r.headers['content-security-policy'])).not.toContain('unsafe')
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
    expect(r.headers['x-content-type-options']).toBe('nosniff')
    expect(r.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin')
    expect(r.headers['permissions-policy']).toContain('camera=()')
  })

  it('in dev: no HSTS; connect-src follows the host the request reached us on, like client-config', async () => {
    const r = await dev.app.inject({ method: 'GET', url: '/api/client-config', headers: { host: '192.0.2.7:8080' } })
    expect(r.headers['strict-transport-security']).toBeUndefined()
    const cfg = r.json<{ originBaseUrl: string; trackerUrls: string[]; realtimeUrl: string }>()
    expect(directives(String(r.headers['content-security-policy'])).get('connect-src')).toEqual(["'self'", cfg.originBaseUrl, ...cfg.trackerUrls, cfg.realtimeUrl])
    expect(cfg).toMatchObject({ originBaseUrl: 'http://192.0.2.7:8081', trackerUrls: ['ws://192.0.2.7:8000'], realtimeUrl: 'ws://192.0.2.7:8082' })
  })

  it.each([
    'evil.example; script-src *',
    "a' 'unsafe-inline",
    'x.example/path',
    'user@x.example',
    'a b',
    'a,b',
    '[::1',
  ])('a hostile Host %j never reaches the CSP or a URL', async (host) => {
    const r = await dev.app.inject({ method: 'GET', url: '/api/client-config', headers: { host } })
    expect(r.statusCode).toBe(400)
    expect(r.json()).toMatchObject({ error: 'BAD_HOST' })
    const csp = String(r.headers['content-security-policy'])
    expect(directives(csp).get('connect-src')).toEqual(["'self'"])
    expect(directives(csp).get('script-src')).toEqual(["'self'"])
    expect(csp).not.toContain('evil')
    expect(csp).not.toContain('unsafe')
  })

  it('an IPv6 literal host works', async () => {
    const r = await dev.app.inject({ method: 'GET', url: '/api/client-config', headers: { host: '[2001:db8::1]:8080' } })
    expect(r.json()).toMatchObject({ originBaseUrl: 'http://[2001:db8::1]:8081' })
    expect(directives(String(r.headers['content-security-policy'])).get('connect-src')).toContain('ws://[2001:db8::1]:8000')
  })
})
