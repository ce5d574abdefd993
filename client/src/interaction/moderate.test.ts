// Moderator console sections in happy-dom against a fetch double: what each control sends, and what it shows back.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import type { ChatMessage, Poll, Question } from '../../../common/wire/interaction.ts'
import { INITIAL_STATE } from '../realtime/state.ts'
import { api } from '../account/api.ts'
import { fakeApi, meBody } from '../account/fake-api.ts'
import ModPolls from './ModPolls.svelte'
import ModChat from './ModChat.svelte'
import ModQueue from './ModQueue.svelte'
import ModeratePage from './ModeratePage.svelte'

const T = '2026-12-03T12:00:00.000Z'
const draft: Poll = {
  id: 'p1', eventId: 'ev', status: 'draft', question: 'Encore?', audience: 'everyone', durationSec: 30,
  options: [{ id: 'a', text: 'Yes', votes: 0 }, { id: 'b', text: 'No', votes: 0 }], totalVotes: 0,
  openedAt: null, closesAt: null, closedAt: null, votesAcceptedUntil: null, final: false, createdAt: T,
}
const msg = (id: string, userId: string, text: string): ChatMessage => ({ id, eventId: 'ev', author: { userId, displayName: `name-${userId}` }, text, createdAt: T })
const q = (id: string, over: Partial<Question>): Question => ({ id, eventId: 'ev', text: `Q ${id}?`, anonymous: false, author: { userId: 'u3', displayName: 'asker' }, status: 'pending', pinned: false, answeredAt: null, upvotes: 0, createdAt: T, ...over })

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})

describe('ModPolls', () => {
  it('creates a poll with the options typed (empty extras dropped) and a duration, then opens the draft', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody({ totpEnabled: true }) }),
      'POST /api/events/ev/polls': () => ({ status: 201, body: draft }),
      'POST /api/events/ev/polls/p1/open': () => ({ status: 200, body: { ...draft, status: 'open', openedAt: T } }),
    })
    restore = f.restore
    const onpoll = vi.fn()
    const r = render(ModPolls, { eventId: 'ev', polls: {}, onpoll })
    await fireEvent.input(screen.getByLabelText('Question'), { target: { value: 'Encore?' } })
    await fireEvent.input(screen.getByLabelText('Option 1'), { target: { value: 'Yes' } })
    await fireEvent.input(screen.getByLabelText('Option 2'), { target: { value: 'No' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Add an option' }))
    expect(screen.getByLabelText('Option 3')).toBeTruthy()
    await fireEvent.input(screen.getByLabelText('Closes by itself after (seconds, optional)'), { target: { value: '30' } })
    await fireEvent.submit(screen.getByLabelText('Question').closest('form') as HTMLFormElement)
    await waitFor(() => expect(onpoll).toHaveBeenCalledWith(draft))
    expect(f.calls.find((c) => c.path === '/api/events/ev/polls')?.body).toEqual({ question: 'Encore?', options: ['Yes', 'No'], durationSec: 30 })
    expect(screen.getByRole('status').textContent).toBe('Poll created. Open it when you are ready.')
    await r.rerender({ eventId: 'ev', polls: { p1: draft }, onpoll })
    await fireEvent.click(screen.getByRole('button', { name: 'Open poll: Encore?' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Poll opened.'))
    expect(onpoll).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'open' }))
  })
})

describe('ModChat', () => {
  it('deletes, times out with a preset, bans; slow mode and blocked words saved; reports listed', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody({ totpEnabled: true }) }),
      'GET /api/events/ev/chat/settings': () => ({ status: 200, body: { slowModeSec: 0, qaPremoderation: true, blockedWords: ['boo'] } }),
      'GET /api/events/ev/chat/reports': () => ({ status: 200, body: { reports: [{ message: msg('m1', 'u2', 'rude words'), messageDeleted: false, reporter: { userId: 'u5', displayName: 'helper' }, reason: 'spam', createdAt: T }] } }),
      'DELETE /api/events/ev/chat/messages/m1': () => ({ status: 200, body: { ok: true } }),
      'POST /api/events/ev/chat/timeouts': () => ({ status: 200, body: { userId: 'u2', until: '2026-12-03T12:05:00.000Z' } }),
      'POST /api/events/ev/chat/bans': () => ({ status: 200, body: { ok: true } }),
      'PATCH /api/events/ev/chat/settings': (c) => ({ status: 200, body: { slowModeSec: 0, qaPremoderation: true, blockedWords: [], ...(c.body as object) } }),
    })
    restore = f.restore
    render(ModChat, { eventId: 'ev', current: { ...INITIAL_STATE, chat: [msg('m1', 'u2', 'rude words')] } })
    await waitFor(() => expect((screen.getByLabelText('Blocked words and phrases, one per line') as HTMLTextAreaElement).value).toBe('boo'))
    expect(await screen.findByText('helper reported name-u2')).toBeTruthy()
    expect(screen.getByText('Reason: spam')).toBeTruthy()
    await fireEvent.change(screen.getByLabelText('Time-out length for name-u2'), { target: { value: '300' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Time out name-u2' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/^name-u2 is timed out until /))
    expect(f.calls.find((c) => c.path === '/api/events/ev/chat/timeouts')?.body).toEqual({ userId: 'u2', durationSec: 300 })
    await fireEvent.click(screen.getAllByRole('button', { name: 'Delete message from name-u2' })[0] as HTMLElement)
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Message deleted.'))
    await fireEvent.click(screen.getByRole('button', { name: 'Ban name-u2' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('name-u2 is banned.'))
    await fireEvent.change(screen.getByLabelText('Slow mode'), { target: { value: '30' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await waitFor(() => expect(f.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1))
    await fireEvent.input(screen.getByLabelText('Blocked words and phrases, one per line'), { target: { value: 'boo\n  bad word \n\nboo' } })
    await fireEvent.submit(screen.getByLabelText('Blocked words and phrases, one per line').closest('form') as HTMLFormElement)
    await waitFor(() => expect(f.calls.filter((c) => c.method === 'PATCH')).toHaveLength(2))
    expect(f.calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ slowModeSec: 30 }, { blockedWords: ['boo', 'bad word'] }])
    // The timeout presets are the six of the issue, named through Intl.
    const presets = [...(screen.getByLabelText('Time-out length for name-u2') as HTMLSelectElement).options].map((o) => o.textContent)
    expect(presets).toEqual(['10 seconds', '1 minute', '5 minutes', '10 minutes', '30 minutes', '24 hours'])
  })
})

describe('ModQueue', () => {
  it('pending first with approve/reject; approved ones pin and answer; the author of an anonymous question is shown to moderators', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody({ totpEnabled: true }) }),
      'POST /api/events/ev/questions/q1/moderation': () => ({ status: 200, body: q('q1', { status: 'approved' }) }),
      'POST /api/events/ev/questions/q2/moderation': () => ({ status: 200, body: q('q2', { status: 'approved', answeredAt: T }) }),
      'PATCH /api/events/ev/chat/settings': () => ({ status: 200, body: { slowModeSec: 0, qaPremoderation: false, blockedWords: [] } }),
    })
    restore = f.restore
    render(ModQueue, { eventId: 'ev', questions: { q1: q('q1', { anonymous: true }), q2: q('q2', { status: 'approved' }) }, premoderation: true })
    expect(screen.getByText('by asker, anonymous to the audience')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Approve: Q q1?' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Done.'))
    await fireEvent.click(screen.getByRole('button', { name: 'Mark answered: Q q2?' }))
    await waitFor(() => expect(f.calls.filter((c) => c.path.endsWith('/moderation')).map((c) => [c.path, c.body])).toEqual([
      ['/api/events/ev/questions/q1/moderation', { action: 'approve' }],
      ['/api/events/ev/questions/q2/moderation', { action: 'answer' }],
    ]))
    await fireEvent.click(screen.getByLabelText('Approve questions before the audience sees them'))
    await waitFor(() => expect(f.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ qaPremoderation: false }))
  })
})

describe('ModeratePage access', () => {
  it('signed out: a sign-in link back here; no role: says so; no 2FA: asks for it', async () => {
    const event = { id: 'ev', title: 'Gig', description: '', startsAt: null, free: true, status: 'live', createdAt: T }
    let me: { status: number; body: unknown } = { status: 401, body: { error: 'UNAUTHENTICATED', message: '' } }
    const f = fakeApi({ 'GET /api/auth/me': () => me, 'GET /api/events/ev': () => ({ status: 200, body: event }) })
    restore = f.restore
    render(ModeratePage, { event: 'ev' })
    expect((await screen.findByRole('link', { name: 'Sign in' })).getAttribute('href')).toBe('/signin?next=%2Fe%2Fev%2Fmoderate')
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Moderation: Gig')
    cleanup()
    me = { status: 200, body: meBody({ totpEnabled: true }) }
    render(ModeratePage, { event: 'ev' })
    expect((await screen.findByRole('alert')).textContent).toBe('You have no role on this event, so you cannot moderate it.')
    cleanup()
    const base = meBody({ totpEnabled: false })
    me = { status: 200, body: { ...base, user: { ...base.user, roles: [{ eventId: 'ev', role: 'moderator' }] } } }
    render(ModeratePage, { event: 'ev' })
    expect((await screen.findByRole('alert')).textContent).toContain('Moderating needs two-factor authentication.')
  })
})
