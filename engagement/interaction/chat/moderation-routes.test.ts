// Chat moderation routes: delete, timeout, ban, unban, reports, settings — access tiers, refusals, feed items and the audit trail.
import { describe, it, expect, afterAll } from 'vitest'
import type { ChatSettings } from '../../../common/wire/interaction.ts'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import type { ChatPage, ChatReportList, SequencedChatMessage } from '../../../common/wire/talk.ts'
import { Agent, makeApp } from '../../test-support.ts'
import { collectPublished } from '../../realtime/test-support.ts'
import { auditOf, stage, viewer, withRole, type Stage } from '../talk-test-support.ts'

type Moderation = Extract<ServerMessage, { type: 'moderation' }>

describe('chat moderation routes', async () => {
  const t = await makeApp()
  afterAll(() => t.close())
  const say = async (a: Agent, eventId: string, text: string): Promise<SequencedChatMessage> => {
    const r = await a.req('POST', `/api/events/${eventId}/chat/messages`, { text })
    if (r.status !== 201) throw new Error(`send ${String(r.status)} ${JSON.stringify(r.body)}`)
    return r.body as unknown as SequencedChatMessage
  }
  const texts = async (eventId: string): Promise<string[]> => ((await new Agent(t).req('GET', `/api/events/${eventId}/chat/messages`)).body as unknown as ChatPage).messages.map((m) => m.message.text)

  it('delete: moderators with a 2FA session only; a chat.deleted item for everyone; idempotent; audited', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const m = await say(v.a, s.eventId, 'delete me')
    const keep = await say(v.a, s.eventId, 'keep me')
    const del = (a: Agent, id = m.message.id, eventId = s.eventId) => a.req('DELETE', `/api/events/${eventId}/chat/messages/${id}`)
    expect((await del(v.a)).body.error).toBe('FORBIDDEN')
    const noTotp = await withRole(t, s, 'moderator', { totp: false })
    expect((await del(noTotp.a)).body.error).toBe('TOTP_ENROLLMENT_REQUIRED')
    const other = await stage(t)
    expect((await del(other.mod)).body.error).toBe('FORBIDDEN')
    expect((await del(other.mod, m.message.id, other.eventId)).body.error).toBe('MESSAGE_NOT_FOUND')

    const pub = await collectPublished(t.ctx.kv, s.eventId)
    expect((await del(s.mod)).body).toEqual({ ok: true })
    const gone = await pub.waitFor((x) => x.type === 'chat.deleted', { audience: 'public' })
    expect(gone).toMatchObject({ type: 'chat.deleted', messageId: m.message.id })
    expect((await del(s.mod)).body).toEqual({ ok: true })
    expect((await del(s.mod, 'm_unknown')).body.error).toBe('MESSAGE_NOT_FOUND')
    expect(await texts(s.eventId)).toEqual([keep.message.text])
    expect(pub.items().filter((i) => i.moderators.type === 'chat.deleted')).toHaveLength(1)
    await pub.stop()
    expect((await auditOf(t, s.eventId, 'chat.delete')).map((a) => `${a.result}:${a.detail}`)).toEqual(['denied:FORBIDDEN', 'denied:TOTP_ENROLLMENT_REQUIRED', 'denied:FORBIDDEN', 'ok:', 'ok:', 'denied:MESSAGE_NOT_FOUND'])
  })

  it('timeouts from 10 s to 24 h, bans and unbans: checked targets, public items without the reason, audited', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const timeout = (body: unknown, a = s.mod) => a.req('POST', `/api/events/${s.eventId}/chat/timeouts`, body)
    const ban = (body: unknown, a = s.mod) => a.req('POST', `/api/events/${s.eventId}/chat/bans`, body)
    const unban = (id: string, a = s.mod) => a.req('DELETE', `/api/events/${s.eventId}/chat/bans/${id}`)
    expect((await timeout({ userId: v.id, durationSec: 9 })).body.error).toBe('VALIDATION')
    expect((await timeout({ userId: v.id, durationSec: 86_401 })).body.error).toBe('VALIDATION')
    expect((await timeout({ userId: v.id, durationSec: 60 }, v.a)).body.error).toBe('FORBIDDEN')
    expect((await timeout({ userId: 'u-nobody-at-all', durationSec: 60 })).body.error).toBe('USER_NOT_FOUND')
    const mod = await withRole(t, s, 'moderator', { totp: true })
    expect((await timeout({ userId: mod.id, durationSec: 60 })).body.error).toBe('TARGET_IS_MODERATOR')
    expect((await ban({ userId: s.modId }, mod.a)).body.error).toBe('TARGET_IS_MODERATOR')

    const pub = await collectPublished(t.ctx.kv, s.eventId)
    const r = await timeout({ userId: v.id, durationSec: 86_400, reason: 'calm down' }, mod.a)
    expect(r.body).toEqual({ userId: v.id, until: new Date(t.clock.now() + 86_400_000).toISOString() })
    const publicItem = await pub.waitFor<Moderation>((m) => m.type === 'moderation' && m.action === 'timeout', { audience: 'public' })
    expect(publicItem).toMatchObject({ userId: v.id, until: r.body.until })
    expect(publicItem.reason).toBeUndefined()
    expect((await pub.waitFor<Moderation>((m) => m.type === 'moderation' && m.action === 'timeout')).reason).toBe('calm down')

    expect((await ban({ userId: v.id })).body).toEqual({ ok: true })
    expect((await ban({ userId: v.id })).body.error).toBe('ALREADY_BANNED')
    expect((await timeout({ userId: v.id, durationSec: 10 })).body.error).toBe('USER_BANNED')
    await pub.waitFor((m) => m.type === 'moderation' && m.action === 'ban', { audience: 'public' })
    expect((await unban(v.id)).body).toEqual({ ok: true })
    expect((await unban(v.id)).body.error).toBe('NOT_RESTRICTED')
    await pub.waitFor((m) => m.type === 'moderation' && m.action === 'unban', { audience: 'public' })
    await pub.stop()
    expect((await say(v.a, s.eventId, 'free again')).message.text).toBe('free again')

    expect((await auditOf(t, s.eventId, 'chat.timeout')).map((a) => `${a.result}:${a.detail}`)).toEqual(['denied:FORBIDDEN', 'denied:USER_NOT_FOUND', 'denied:TARGET_IS_MODERATOR', 'ok:86400s', 'denied:USER_BANNED'])
    expect((await auditOf(t, s.eventId, 'chat.ban')).map((a) => `${a.result}:${a.detail}`)).toEqual(['denied:TARGET_IS_MODERATOR', 'ok:', 'denied:ALREADY_BANNED'])
    expect((await auditOf(t, s.eventId, 'chat.unban')).map((a) => `${a.result}:${a.detail}`)).toEqual(['ok:', 'denied:NOT_RESTRICTED'])
  })

  it('reports: signed-in viewers, one per message; moderators see them (item and list), the audience never', async () => {
    const s = await stage(t)
    const author = await viewer(t)
    const reporter = await viewer(t)
    const m = await say(author.a, s.eventId, 'rude words')
    const report = (a: Agent, id = m.message.id, body: unknown = { reason: 'rude' }) => a.req('POST', `/api/events/${s.eventId}/chat/messages/${id}/reports`, body)
    const pub = await collectPublished(t.ctx.kv, s.eventId)
    expect((await report(reporter.a)).status).toBe(201)
    expect((await report(reporter.a)).body.error).toBe('ALREADY_REPORTED')
    expect((await report(author.a, m.message.id, {})).status).toBe(201)
    expect((await report(reporter.a, 'm_unknown')).body.error).toBe('MESSAGE_NOT_FOUND')
    expect((await report(reporter.a, m.message.id, { reason: 'x'.repeat(201) })).body.error).toBe('VALIDATION')
    const item = await pub.waitFor<Moderation>((x) => x.type === 'moderation' && x.action === 'report')
    expect(item).toMatchObject({ messageId: m.message.id, userId: author.id, reason: 'rude' })
    expect(pub.public().some((x) => x.type === 'moderation' && x.action === 'report')).toBe(false)
    await pub.stop()

    expect((await reporter.a.req('GET', `/api/events/${s.eventId}/chat/reports`)).body.error).toBe('FORBIDDEN')
    const list = (await s.mod.req('GET', `/api/events/${s.eventId}/chat/reports`)).body as unknown as ChatReportList
    expect(list.reports.map((r) => [r.reporter.userId, r.reason, r.message.id, r.messageDeleted])).toEqual(
      expect.arrayContaining([
        [reporter.id, 'rude', m.message.id, false],
        [author.id, '', m.message.id, false],
      ]),
    )
    expect(list.reports).toHaveLength(2)
    await s.mod.req('DELETE', `/api/events/${s.eventId}/chat/messages/${m.message.id}`)
    expect(((await s.mod.req('GET', `/api/events/${s.eventId}/chat/reports`)).body as unknown as ChatReportList).reports).toEqual([])
    const all = (await s.mod.req('GET', `/api/events/${s.eventId}/chat/reports?all=true`)).body as unknown as ChatReportList
    expect(all.reports.every((r) => r.messageDeleted)).toBe(true)
    expect((await report((await viewer(t)).a)).body.error).toBe('MESSAGE_NOT_FOUND')
  })

  it('settings: the audience sees slow mode and pre-moderation but not the blocked words; changes are validated, sequenced and audited', async () => {
    const s: Stage = await stage(t)
    const get = (a: Agent, q = '') => a.req('GET', `/api/events/${s.eventId}/chat/settings${q}`)
    const patch = (body: unknown, a = s.mod) => a.req('PATCH', `/api/events/${s.eventId}/chat/settings`, body)
    expect((await get(new Agent(t))).body).toEqual({ slowModeSec: 0, qaPremoderation: true, blockedWords: [] })
    expect((await get(new Agent(t), '?view=moderation')).body.error).toBe('UNAUTHENTICATED')
    expect((await new Agent(t).req('GET', '/api/events/no-such-event/chat/settings')).body.error).toBe('EVENT_NOT_FOUND')
    expect((await patch({})).body.error).toBe('VALIDATION')
    expect((await patch({ slowModeSec: 3601 })).body.error).toBe('VALIDATION')
    expect((await patch({ colour: 'red' })).body.error).toBe('VALIDATION')
    expect((await patch({ blockedWords: ['ok', '!!!'] })).body.error).toBe('BLOCKED_WORD_INVALID')
    expect((await patch({ slowModeSec: 5 }, (await viewer(t)).a)).body.error).toBe('FORBIDDEN')

    const pub = await collectPublished(t.ctx.kv, s.eventId)
    const r = await patch({ slowModeSec: 30, blockedWords: [' spoiler ', 'spoiler', 'bad*'] })
    const want: ChatSettings = { slowModeSec: 30, qaPremoderation: true, blockedWords: ['spoiler', 'bad*'] }
    expect(r.body).toEqual(want)
    expect((await patch({ qaPremoderation: false })).body).toEqual({ ...want, qaPremoderation: false })
    const publicItem = await pub.waitFor<Moderation>((m) => m.type === 'moderation' && m.action === 'settings', { audience: 'public' })
    expect(publicItem.settings).toEqual({ ...want, blockedWords: [] })
    expect((await pub.waitFor<Moderation>((m) => m.type === 'moderation' && m.action === 'settings')).settings).toEqual(want)
    await pub.stop()
    expect((await get(new Agent(t))).body).toEqual({ slowModeSec: 30, qaPremoderation: false, blockedWords: [] })
    expect((await get(s.mod, '?view=moderation')).body).toEqual({ ...want, qaPremoderation: false })
    expect((await auditOf(t, s.eventId, 'chat.settings')).map((a) => `${a.result}:${a.target}`)).toEqual(['denied:slowModeSec', 'ok:blockedWords,slowModeSec', 'ok:qaPremoderation'])
  })

  it('report floods are capped per account per hour (429)', async () => {
    const s = await stage(t)
    // Sessions idle out within the hour: move to the window's start first, then sign in.
    t.clock.advance(3_600_000 - (t.clock.now() % 3_600_000))
    const v = await viewer(t)
    for (let i = 0; i < t.ctx.config.chatReportsPerAccountPerHour; i++) expect((await v.a.req('POST', `/api/events/${s.eventId}/chat/messages/m_${String(i)}/reports`, {})).status).toBe(404)
    const r = await v.a.req('POST', `/api/events/${s.eventId}/chat/messages/m_more/reports`, {})
    expect([r.status, r.body.error, r.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '3600'])
  })
})

