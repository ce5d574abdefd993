import { describe, it, expect } from 'vitest'
import { SignJWT } from 'jose'
import { realtimeTokenKey, signRealtimeToken, verifyRealtimeToken } from './token.ts'

const key = realtimeTokenKey({ realtimeTokenSecret: '', dataSecret: 'a-data-secret-of-some-length' })
const now = 1_800_000_000

describe('realtime tokens', () => {
  it('round-trips sub, event, role and exp', async () => {
    const t = await signRealtimeToken(key, { sub: 'u1', event: 'ev-a', role: 'moderator', nowSec: now, ttlSec: 60 })
    expect(await verifyRealtimeToken(key, t, 'ev-a', now + 59)).toEqual({ ok: true, claims: { sub: 'u1', event: 'ev-a', role: 'moderator', exp: now + 60 } })
  })

  it('refuses another event, expiry, another key, tampering, and other algorithms', async () => {
    const t = await signRealtimeToken(key, { sub: 'u1', event: 'ev-a', role: 'viewer', nowSec: now, ttlSec: 60 })
    expect(await verifyRealtimeToken(key, t, 'ev-b', now)).toEqual({ ok: false, code: 'TOKEN_WRONG_EVENT' })
    expect(await verifyRealtimeToken(key, t, 'ev-a', now + 60)).toEqual({ ok: false, code: 'TOKEN_EXPIRED' })
    const other = realtimeTokenKey({ realtimeTokenSecret: 'x'.repeat(32), dataSecret: 'a-data-secret-of-some-length' })
    expect(await verifyRealtimeToken(other, t, 'ev-a', now)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
    const [h, p, s] = t.split('.')
    const forged = Buffer.from(JSON.stringify({ sub: 'u1', event: 'ev-a', role: 'moderator', exp: now + 60, aud: 'swarmstage-realtime' })).toString('base64url')
    expect(await verifyRealtimeToken(key, `${h ?? ''}.${forged}.${s ?? ''}`, 'ev-a', now)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
    expect(p).toBeDefined()
    const hs512 = await new SignJWT({ event: 'ev-a', role: 'viewer' }).setProtectedHeader({ alg: 'HS512' }).setSubject('u1').setAudience('swarmstage-realtime').setExpirationTime(now + 60).sign(key)
    expect(await verifyRealtimeToken(key, hs512, 'ev-a', now)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
    // A tracker token (no audience) is not a realtime token, even under the same key.
    const noAud = await new SignJWT({ event: 'ev-a', role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(now + 60).sign(key)
    expect(await verifyRealtimeToken(key, noAud, 'ev-a', now)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
    expect(await verifyRealtimeToken(key, '', 'ev-a', now)).toEqual({ ok: false, code: 'TOKEN_INVALID' })
  })
})
