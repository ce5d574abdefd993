// Viewer panels in happy-dom: the poll card votes and marks the vote, phone tabs follow the arrow keys, chat shows refusals from the catalogue, Q&A asks and upvotes.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import type { ChatMessage, Poll, Question } from '../../../common/wire/interaction.ts'
import { INITIAL_STATE } from '../realtime/state.ts'
import { api } from '../account/api.ts'
import { fakeApi, meBody } from '../account/fake-api.ts'
import PollCard from './PollCard.svelte'
import ChatPanel from './ChatPanel.svelte'
import QaPanel from './QaPanel.svelte'
import InteractionPanels from './InteractionPanels.svelte'
import { LiveEvent, type LiveView } from './live-event.ts'

const T = Date.parse('2026-12-03T12:00:00Z')
const poll = (over: Partial<Poll> = {}): Poll => ({
  id: 'p1', eventId: 'ev', status: 'open', question: 'Which song next?', audience: 'everyone', durationSec: 60,
  options: [{ id: 'a', text: 'Blue', votes: 3 }, { id: 'b', text: 'Red', votes: 1 }], totalVotes: 4,
  openedAt: new Date(T).toISOString(), closesAt: new Date(T + 60_000).toISOString(), closedAt: null, votesAcceptedUntil: null, final: false, createdAt: new Date(T).toISOString(), ...over,
})
const msg = (id: string, userId: string, text: string): ChatMessage => ({ id, eventId: 'ev', author: { userId, displayName: `name-${userId}` }, text, createdAt: new Date(T).toISOString() })
const question = (id: string, over: Partial<Question> = {}): Question => ({ id, eventId: 'ev', text: `Question ${id}?`, anonymous: false, author: { userId: 'u9', displayName: 'asker' }, status: 'approved', pinned: false, answeredAt: null, upvotes: 2, createdAt: new Date(T).toISOString(), ...over })

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
  vi.unstubAllGlobals()
})

describe('PollCard', () => {
  it('shows the countdown and live results; a vote goes out, is confirmed, and the option is checked', async () => {
    const onvote = vi.fn(() => Promise.resolve({ ok: true as const, already: false }))
    const r = render(PollCard, { poll: poll(), myVote: undefined, viewNowMs: T + 15_000, canVote: true, onvote })
    expect(screen.getByRole('timer').textContent).toBe('0:45 left')
    expect(screen.getByRole('timer').getAttribute('aria-label')).toBe('45 seconds left')
    expect(screen.getByText('3 votes · 75%')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Blue' }))
    expect(onvote).toHaveBeenCalledWith('a')
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Your vote is in.'))
    await r.rerender({ poll: poll(), myVote: 'a', viewNowMs: T + 16_000, canVote: true, onvote })
    expect(screen.queryByRole('button', { name: 'Blue' })).toBeNull()
    const mine = screen.getByText('Blue').closest('li') as HTMLElement
    expect(mine.textContent).toContain('✓')
    expect(mine.textContent).toContain('(Your vote)')
  })

  it('a refusal is shown from the catalogue; guests see results without buttons; the live region announces a new poll', async () => {
    const onvote = vi.fn(() => Promise.resolve({ ok: false as const, code: 'POLL_CLOSED' }))
    const r = render(PollCard, { poll: poll(), myVote: undefined, viewNowMs: T, canVote: true, onvote })
    expect(document.querySelector('[aria-live="polite"]')?.textContent).toBe('New poll: Which song next?')
    await fireEvent.click(screen.getByRole('button', { name: 'Red' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('This poll is closed.'))
    await r.rerender({ poll: poll({ status: 'closed', closedAt: new Date(T + 5000).toISOString() }), myVote: undefined, viewNowMs: T, canVote: false, onvote })
    expect(screen.queryAllByRole('button')).toHaveLength(0)
    expect(screen.getByText('Closed')).toBeTruthy()
    expect(document.querySelector('[aria-live="polite"]')?.textContent).toBe('Poll closed. Blue 3 votes (75%), Red 1 vote (25%)')
  })
})

describe('InteractionPanels on a phone', () => {
  it('is a tablist: arrows move the selection and focus, the panel follows; guests get a sign-in prompt', async () => {
    vi.stubGlobal('matchMedia', () => ({ matches: true, addEventListener: () => undefined, removeEventListener: () => undefined }))
    const live = new LiveEvent({ eventId: 'ev', realtimeUrl: 'ws://127.0.0.1:1', sync: true, storage: null })
    const view: LiveView = { ...live.view, state: { ...INITIAL_STATE, chat: [msg('m1', 'u2', 'hello there')] }, polls: { p1: poll() } }
    render(InteractionPanels, { eventId: 'ev', live, view })
    const tabs = await screen.findAllByRole('tab')
    expect(tabs.map((t) => t.textContent?.trim())).toEqual(['✓Poll', 'Q&A', 'Chat'])
    expect(screen.getByRole('tabpanel').textContent).toContain('Which song next?')
    tabs[0]?.focus()
    await fireEvent.keyDown(tabs[0] as HTMLElement, { key: 'ArrowLeft' })
    const chatTab = screen.getByRole('tab', { name: 'Chat' })
    expect(chatTab.getAttribute('aria-selected')).toBe('true')
    expect(document.activeElement).toBe(chatTab)
    expect(within(screen.getByRole('tabpanel')).getByText('hello there')).toBeTruthy()
    await fireEvent.keyDown(chatTab, { key: 'Home' })
    expect(screen.getByRole('tab', { name: /Poll/ }).getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/signin?next=%2Fe%2Fev')
    expect(screen.queryByRole('button', { name: 'Blue' })).toBeNull()
  })
})

describe('ChatPanel', () => {
  it('counts characters, sends, and shows BLOCKED_WORD and SLOW_MODE from the catalogue', async () => {
    let n = 0
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'POST /api/events/ev/chat/messages': () =>
        ++n === 1
          ? { status: 422, body: { error: 'BLOCKED_WORD', message: 'blocked' } }
          : n === 2
            ? { status: 429, body: { error: 'SLOW_MODE', message: 'slow', retryAfterSec: 7 } }
            : { status: 201, body: { seq: 3, message: msg('m3', 'u1', 'fine') } },
    })
    restore = f.restore
    render(ChatPanel, { eventId: 'ev', chat: [msg('m1', 'u2', 'hi')], userId: 'u1', canWrite: true, slowModeSec: 5 })
    const box = screen.getByLabelText('Message')
    await fireEvent.input(box, { target: { value: 'abc' } })
    expect(screen.getByText('3/500 characters')).toBeTruthy()
    expect(screen.getByText('Slow mode: one message every 5 seconds.')).toBeTruthy()
    const form = box.closest('form') as HTMLFormElement
    await fireEvent.submit(form)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('That contains a word that is not allowed in this event.'))
    await fireEvent.submit(form)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Slow mode is on. Wait 7 seconds before sending again.'))
    await fireEvent.submit(form)
    await waitFor(() => expect((box as HTMLInputElement).value).toBe(''))
    const sends = f.calls.filter((c) => c.path === '/api/events/ev/chat/messages')
    expect(sends.map((c) => c.body)).toEqual([{ text: 'abc' }, { text: 'abc' }, { text: 'abc' }])
    expect(sends[0]?.headers['idempotency-key']).toMatch(/^k-[a-z0-9]{20}$/)
    expect(sends[0]?.headers['x-csrf-token']).toBe('csrf-1')
  })

  it('reports a message of someone else (not your own), then hides its button', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'POST /api/events/ev/chat/messages/m1/reports': () => ({ status: 201, body: { ok: true } }),
    })
    restore = f.restore
    render(ChatPanel, { eventId: 'ev', chat: [msg('m1', 'u2', 'rude'), msg('m2', 'u1', 'mine')], userId: 'u1', canWrite: true, slowModeSec: 0 })
    expect(screen.getAllByRole('button', { name: /Report/ })).toHaveLength(1)
    await fireEvent.click(screen.getByRole('button', { name: 'Report message from name-u2' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Reported. Moderators will look at it.'))
    expect(screen.queryByRole('button', { name: /Report/ })).toBeNull()
  })
})

describe('QaPanel', () => {
  it('asks anonymously (pending under pre-moderation), upvotes once, sorts by new, marks pinned and answered in text', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'GET /api/events/ev/questions': () => ({ status: 200, body: { questions: [], upvoted: [] } }),
      'POST /api/events/ev/questions': () => ({ status: 201, body: question('q9', { status: 'pending', anonymous: true, author: null }) }),
      'POST /api/events/ev/questions/q1/upvotes': () => ({ status: 201, body: { questionId: 'q1', upvotes: 3 } }),
    })
    restore = f.restore
    const qs = { q1: question('q1', { createdAt: new Date(T + 5).toISOString() }), q2: question('q2', { upvotes: 9, pinned: false, answeredAt: new Date(T).toISOString(), createdAt: new Date(T + 1).toISOString() }), q3: question('q3', { pinned: true, upvotes: 0 }) }
    render(QaPanel, { eventId: 'ev', questions: qs, canWrite: true, premoderation: true })
    const items = () => screen.getAllByRole('listitem').map((li) => li.querySelector('.text')?.textContent)
    expect(items()).toEqual(['Question q3?', 'Question q2?', 'Question q1?'])
    expect(screen.getByText('Pinned')).toBeTruthy()
    expect(screen.getByText('Answered')).toBeTruthy()
    await fireEvent.click(screen.getByRole('radio', { name: 'New' }))
    expect(items()).toEqual(['Question q3?', 'Question q1?', 'Question q2?'])
    await fireEvent.input(screen.getByLabelText('Your question'), { target: { value: 'Why?' } })
    await fireEvent.click(screen.getByLabelText('Ask anonymously'))
    await fireEvent.submit(screen.getByLabelText('Your question').closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Question sent. It appears once a moderator approves it.'))
    expect(f.calls.find((c) => c.method === 'POST' && c.path === '/api/events/ev/questions')?.body).toEqual({ text: 'Why?', anonymous: true })
    const up = screen.getByRole('button', { name: 'Upvote 2: Question q1?' })
    await fireEvent.click(up)
    await waitFor(() => expect(screen.getByRole('button', { name: 'Upvoted 2: Question q1?' }).getAttribute('aria-pressed')).toBe('true'))
    expect(f.calls.filter((c) => c.path.endsWith('/upvotes'))).toHaveLength(1)
  })
})
