import { describe, it, expect } from 'vitest'
import { decide, type Principal, type Requirement } from './access.ts'

const NOW = 1_000_000_000
const MAX = 300_000
const base: Principal = { userId: 'u', isAdmin: false, totpEnabled: true, eventRoles: [{ eventId: 'a', role: 'creator' }], mfaAtMs: NOW - 1000 }
const high = (eventId: string): Requirement => ({ tier: 'high', eventId, roles: ['creator', 'organizer'] })
const medium = (eventId: string): Requirement => ({ tier: 'medium', eventId, roles: ['creator'] })

describe('decide (sensitivity tiers)', () => {
  it.each<[string, Principal | null, Requirement, string]>([
    ['low is public', null, { tier: 'low' }, 'ok'],
    ['account needs a session', null, { tier: 'account' }, 'UNAUTHENTICATED'],
    ['high without session', null, high('a'), 'UNAUTHENTICATED'],
    ['high with role and fresh factor', base, high('a'), 'ok'],
    ['right role on another event', base, high('b'), 'FORBIDDEN'],
    ['wrong role on the event', base, { tier: 'medium', eventId: 'a', roles: ['organizer'] }, 'FORBIDDEN'],
    ['role without 2FA enrolled', { ...base, totpEnabled: false }, medium('a'), 'TOTP_ENROLLMENT_REQUIRED'],
    ['enrolled but session never proved it', { ...base, mfaAtMs: 0 }, medium('a'), 'STEP_UP_REQUIRED'],
    ['medium does not need a recent factor', { ...base, mfaAtMs: NOW - 10 * MAX }, medium('a'), 'ok'],
    ['high with factor exactly at the limit', { ...base, mfaAtMs: NOW - MAX }, high('a'), 'ok'],
    ['high with expired step-up', { ...base, mfaAtMs: NOW - MAX - 1 }, high('a'), 'STEP_UP_REQUIRED'],
    ['admin holds every role', { ...base, isAdmin: true, eventRoles: [] }, high('z'), 'ok'],
    ['admin still needs 2FA', { ...base, isAdmin: true, totpEnabled: false }, high('z'), 'TOTP_ENROLLMENT_REQUIRED'],
  ])('%s', (_name, p, req, want) => {
    const d = decide(p, req, NOW, MAX)
    expect(d.ok ? 'ok' : d.error).toBe(want)
  })
})
