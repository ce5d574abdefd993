import { describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { admit, admitSync, checkClaims, ipLocality, namespaceOf, splitTarget, TokenVerifier, type UpgradeRequest } from './admission.ts'
import { loadTrackerConfig } from './config.ts'
import { ConfigError } from '../common/config.ts'

const req = (over: Partial<UpgradeRequest> = {}): UpgradeRequest => ({
  path: '/',
  query: '',
  origin: '',
  localityHeader: '',
  forwardedFor: '',
  remoteIp: '10.1.2.3',
  ...over,
})

describe('namespaceOf', () => {
  const cases: [string, string | undefined][] = [
    ['/', ''],
    ['', ''],
    ['/announce', ''],
    ['/e/final-2026', 'final-2026'],
    ['/e/final-2026/announce', 'final-2026'],
    ['/e/a.b_c/', 'a.b_c'],
    ['/e/', undefined],
    ['/e/has space', undefined],
    ['/e/x/y', undefined],
    ['/other', undefined],
  ]
  it.each(cases)('%s → %s', (path, ns) => expect(namespaceOf(path)).toBe(ns))
})

describe('splitTarget', () => {
  const cases: [string, { path: string; query: string } | undefined][] = [
    ['/', { path: '/', query: '' }],
    ['/e/ev1?token=abc&x=1', { path: '/e/ev1', query: 'token=abc&x=1' }],
    ['/health?', { path: '/health', query: '' }],
    ['//a:b:c', { path: '//a:b:c', query: '' }],
    ['//evil.example/health', { path: '//evil.example/health', query: '' }],
    ['/e/%00/%zz?%%', { path: '/e/%00/%zz', query: '%%' }],
    ['*', undefined],
    ['http://[::1', undefined],
    ['http://host/health', undefined],
    ['', undefined],
  ]
  it.each(cases)('%s', (target, split) => expect(splitTarget(target)).toEqual(split))
})

describe('ipLocality', () => {
  const cases: [string, number, number, string][] = [
    ['10.1.2.3', 16, 32, 'v4:a010000/16'],
    ['10.1.200.9', 16, 32, 'v4:a010000/16'],
    ['10.1.2.3', 24, 32, 'v4:a010200/24'],
    ['10.1.2.3', 0, 32, 'v4:0/0'],
    ['::ffff:10.1.2.3', 16, 32, 'v4:a010000/16'],
    ['2001:db8:1:2::1', 16, 32, 'v6:8193:3512/32'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', 16, 48, 'v6:8193:3512:1/48'],
    ['::1', 16, 32, 'v6:0:0/32'],
  ]
  it.each(cases)('%s /%i /%i', (ip, v4, v6, key) => expect(ipLocality(ip, v4, v6)).toBe(key))
})

describe('admission', () => {
  const base = loadTrackerConfig({ overrides: { allowedOrigins: ['https://ok.example'], localityHeader: 'cf-ipcountry' } })

  it('checks the origin allowlist and path', () => {
    expect(admitSync(req({ origin: 'https://evil.example' }), base)).toEqual({ ok: false, code: 'ORIGIN_NOT_ALLOWED' })
    expect(admitSync(req({ origin: '' }), base)).toEqual({ ok: false, code: 'ORIGIN_NOT_ALLOWED' })
    expect(admitSync(req({ origin: 'https://ok.example', path: '/x' }), base)).toEqual({ ok: false, code: 'BAD_PATH' })
  })

  it('admits any Origin only for ["*"], or for an empty list in dev', () => {
    const any = loadTrackerConfig({ overrides: { allowedOrigins: ['*'] } })
    const dev = loadTrackerConfig({ overrides: { dev: true } })
    const devListed = loadTrackerConfig({ overrides: { dev: true, allowedOrigins: ['https://ok.example'] } })
    for (const origin of ['https://evil.example', '', 'null']) {
      expect(admitSync(req({ origin }), any)).toMatchObject({ ok: true })
      expect(admitSync(req({ origin }), dev)).toMatchObject({ ok: true })
      expect(admitSync(req({ origin }), devListed)).toEqual({ ok: false, code: 'ORIGIN_NOT_ALLOWED' })
    }
    expect(admitSync(req({ origin: 'https://ok.example' }), devListed)).toMatchObject({ ok: true })
  })

  describe('locality: headers count only from a trusted proxy', () => {
    const behind = loadTrackerConfig({ overrides: { allowedOrigins: ['*'], localityHeader: 'cf-ipcountry', trustedProxies: ['10.0.0.0/8', 'fd00::/8'] } })
    const open = loadTrackerConfig({ overrides: { allowedOrigins: ['*'], localityHeader: 'cf-ipcountry' } })
    const cases: [string, ReturnType<typeof loadTrackerConfig>, Partial<UpgradeRequest>, string][] = [
      ['edge header from a trusted proxy', behind, { remoteIp: '10.1.2.3', localityHeader: 'DE' }, 'h:DE'],
      ['edge header from a trusted v6 proxy', behind, { remoteIp: 'fd00::7', localityHeader: 'FR' }, 'h:FR'],
      ['edge header from an untrusted peer', behind, { remoteIp: '203.0.113.9', localityHeader: 'DE' }, 'v4:cb000000/16'],
      ['edge header with no proxy trusted', open, { remoteIp: '10.1.2.3', localityHeader: 'DE' }, 'v4:a010000/16'],
      ['X-Forwarded-For via a trusted proxy', behind, { remoteIp: '10.1.2.3', forwardedFor: '192.168.7.7' }, 'v4:c0a80000/16'],
      ['X-Forwarded-For through two trusted hops', behind, { remoteIp: '10.1.2.3', forwardedFor: '1.2.3.4, 192.168.7.7, 10.9.9.9' }, 'v4:c0a80000/16'],
      ['X-Forwarded-For from an untrusted peer', behind, { remoteIp: '203.0.113.9', forwardedFor: '192.168.7.7' }, 'v4:cb000000/16'],
      ['X-Forwarded-For with no proxy trusted', open, { remoteIp: '10.1.2.3', forwardedFor: '192.168.7.7' }, 'v4:a010000/16'],
      ['a malformed hop stops the walk', behind, { remoteIp: '10.1.2.3', forwardedFor: '192.168.7.7, not-an-ip' }, 'v4:a010000/16'],
      ['a v4-mapped socket address', behind, { remoteIp: '::ffff:10.1.2.3', forwardedFor: '192.168.7.7' }, 'v4:c0a80000/16'],
    ]
    it.each(cases)('%s', (_name, cfg, over, locality) => expect(admitSync(req(over), cfg)).toEqual({ ok: true, namespace: '', locality }))
  })

  it('verifies HS256 tokens, their expiry and their event claim', async () => {
    const secret = 'a-long-enough-test-secret-0123456789'
    const cfg = loadTrackerConfig({ overrides: { jwtRequired: true, jwtSecret: secret, jwtIssuer: 'swarmstage', allowedOrigins: ['*'] } })
    const verifier = new TokenVerifier(cfg)
    const key = new TextEncoder().encode(secret)
    const sign = (claims: Record<string, unknown>, exp = '1m'): Promise<string> =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('swarmstage').setExpirationTime(exp).sign(key)
    expect(await admit(req({ path: '/e/ev1' }), cfg, verifier)).toEqual({ ok: false, code: 'TOKEN_REQUIRED' })
    expect(await admit(req({ path: '/e/ev1', query: `token=${await sign({ event: 'ev1' })}` }), cfg, verifier)).toMatchObject({ ok: true, namespace: 'ev1' })
    expect(await admit(req({ path: '/e/ev2', query: `token=${await sign({ event: 'ev1' })}` }), cfg, verifier)).toEqual({ ok: false, code: 'TOKEN_WRONG_EVENT' })
    expect(await admit(req({ query: `token=${await sign({}, '-1m')}` }), cfg, verifier)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
    const other = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').sign(key)
    expect(await admit(req({ query: `token=${other}` }), cfg, verifier)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
  })
})

describe('checkClaims', () => {
  const now = 1_800_000_000
  const max = 86400
  const cases: [string, Record<string, unknown>, string, ReturnType<typeof checkClaims>][] = [
    ['event and exp within the lifetime', { event: 'ev1', exp: now + 7200, iat: now }, 'ev1', { ok: true }],
    ['no iat, exp within the lifetime', { event: 'ev1', exp: now + 60 }, 'ev1', { ok: true }],
    ['exactly the maximum', { event: 'ev1', exp: now + max, iat: now }, 'ev1', { ok: true }],
    ['no exp', { event: 'ev1', iat: now }, 'ev1', { ok: false, code: 'TOKEN_INVALID' }],
    ['exp not a number', { event: 'ev1', exp: String(now + 60) }, 'ev1', { ok: false, code: 'TOKEN_INVALID' }],
    ['exp too far ahead', { event: 'ev1', exp: now + max + 1 }, 'ev1', { ok: false, code: 'TOKEN_LIFETIME_TOO_LONG' }],
    ['exp - iat too long', { event: 'ev1', exp: now + 60, iat: now - max }, 'ev1', { ok: false, code: 'TOKEN_LIFETIME_TOO_LONG' }],
    ['iat not a number', { event: 'ev1', exp: now + 60, iat: 'yesterday' }, 'ev1', { ok: false, code: 'TOKEN_INVALID' }],
    ['no event', { exp: now + 60 }, 'ev1', { ok: false, code: 'TOKEN_INVALID' }],
    ['event not a string', { event: 7, exp: now + 60 }, 'ev1', { ok: false, code: 'TOKEN_INVALID' }],
    ['event empty', { event: '', exp: now + 60 }, '', { ok: false, code: 'TOKEN_INVALID' }],
    ['another event', { event: 'ev2', exp: now + 60 }, 'ev1', { ok: false, code: 'TOKEN_WRONG_EVENT' }],
    ['a token on the shared namespace', { event: 'ev1', exp: now + 60 }, '', { ok: false, code: 'TOKEN_WRONG_EVENT' }],
  ]
  it.each(cases)('%s', (_name, claims, namespace, result) => expect(checkClaims(claims, namespace, now, max)).toEqual(result))
})

describe('admission tokens end to end', () => {
  const secret = 'a-long-enough-test-secret-0123456789'
  const key = new TextEncoder().encode(secret)
  const cfg = loadTrackerConfig({ overrides: { jwtRequired: true, jwtSecret: secret, jwtMaxLifetimeSec: 3600, allowedOrigins: ['*'] } })
  const verifier = new TokenVerifier(cfg)
  const at = (claims: Record<string, unknown>, path = '/e/ev1'): Promise<unknown> =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key)
      .then((t) => admit(req({ path, query: `token=${t}` }), cfg, verifier))
  const nowSec = (): number => Math.floor(Date.now() / 1000)

  it('admits a token naming the event with a bounded lifetime', async () => {
    expect(await at({ event: 'ev1', iat: nowSec(), exp: nowSec() + 600 })).toMatchObject({ ok: true, namespace: 'ev1' })
  })

  it.each([
    ['without exp (it would never expire)', (): Record<string, unknown> => ({ event: 'ev1', iat: nowSec() }), 'TOKEN_INVALID'],
    ['without event (it would admit to every event)', (): Record<string, unknown> => ({ iat: nowSec(), exp: nowSec() + 600 }), 'TOKEN_INVALID'],
    ['living longer than jwtMaxLifetimeSec', (): Record<string, unknown> => ({ event: 'ev1', exp: nowSec() + 7200 }), 'TOKEN_LIFETIME_TOO_LONG'],
    ['issued with a lifetime over the maximum', (): Record<string, unknown> => ({ event: 'ev1', iat: nowSec() - 7000, exp: nowSec() + 60 }), 'TOKEN_LIFETIME_TOO_LONG'],
  ])('refuses a token %s', async (_name, claims, code) => {
    expect(await at(claims())).toEqual({ ok: false, code })
  })

  it('refuses a token on the shared namespace', async () => {
    expect(await at({ event: 'ev1', exp: nowSec() + 60 }, '/announce')).toEqual({ ok: false, code: 'TOKEN_WRONG_EVENT' })
  })
})

describe('loadTrackerConfig', () => {
  it('defaults to port 8000 and reads TRACKER_* variables', () => {
    expect(loadTrackerConfig({ env: { TRACKER_DEV: 'true' } })).toMatchObject({ port: 8000, transport: 'uws', maxMessageBytes: 65536, maxOffers: 5, allowedOrigins: [], dev: true })
    expect(loadTrackerConfig({ env: { TRACKER_PORT: '9001', TRACKER_ALLOWED_ORIGINS: '["https://a"]' } })).toMatchObject({ port: 9001, allowedOrigins: ['https://a'] })
  })

  it('rejects unknown keys, bad values and incomplete secrets, naming the key', () => {
    const dev = { TRACKER_DEV: 'true' }
    // No Origin policy chosen: refused outside dev, naming the variable.
    expect(() => loadTrackerConfig({ env: {} })).toThrow(ConfigError)
    expect(() => loadTrackerConfig({ env: {} })).toThrow(/TRACKER_ALLOWED_ORIGINS/)
    expect(() => loadTrackerConfig({ env: { TRACKER_ALLOWED_ORIGINS: '[]' } })).toThrow(/TRACKER_ALLOWED_ORIGINS/)
    expect(loadTrackerConfig({ env: { TRACKER_ALLOWED_ORIGINS: '["*"]' } }).allowedOrigins).toEqual(['*'])
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_NOPE: '1' } })).toThrow(/TRACKER_NOPE/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_MAX_OFFERS: '99' } })).toThrow(/maxOffers/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_JWT_REQUIRED: 'true' } })).toThrow(/TRACKER_JWT_REQUIRED/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_TLS_CERT_FILE: '/x.pem' } })).toThrow(/TRACKER_TLS_CERT_FILE/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_TRUSTED_PROXIES: '["10.0.0.0/33"]' } })).toThrow(/TRACKER_TRUSTED_PROXIES/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_TRUSTED_PROXIES: '["not a range"]' } })).toThrow(/TRACKER_TRUSTED_PROXIES/)
    expect(() => loadTrackerConfig({ env: { ...dev, TRACKER_CLIENT_IP_HEADER: 'x-forwarded-for' } })).toThrow(/TRACKER_CLIENT_IP_HEADER/)
  })
})
