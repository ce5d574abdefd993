// REST calls of live interaction (polls, Q&A, chat and its moderation, realtime tokens); the wire shapes are the server's own, imported type-only.
import type { Static } from 'typebox'
import type { CreateRealtimeTokenBody, RealtimeTokenView } from '../../../common/wire/realtime.ts'
import type { ErrorBody } from '../../../common/wire/errors.ts'
import type { ChatSettings, CreatePollBody, ModerateQuestionBody, Poll, Question } from '../../../common/wire/interaction.ts'
import type { ChatPage, ChatReportList, QuestionList, SequencedChatMessage, TimeoutResult, UpdateChatSettingsBody, UpvoteResult } from '../../../common/wire/talk.ts'
import { api as accountApi, type ApiResult } from '../account/api.ts'
import type { VoteResult } from '../realtime/connection.ts'

/** What `createRealtimeToken` answers. */
export type RealtimeToken = Static<typeof RealtimeTokenView>

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

const NETWORK: ErrorBody = { error: 'NETWORK', message: '' }

/** A fresh idempotency key (`Idempotency-Key`), so a retry after a lost answer is not stored twice. */
export function idempotencyKey(random: () => number = Math.random): string {
  let s = ''
  for (let i = 0; i < 20; i++) s += Math.floor(random() * 36).toString(36)
  return `k-${s}`
}

const ev = (eventId: string): string => `/api/events/${encodeURIComponent(eventId)}`
const seg = encodeURIComponent

/**
 * The interaction API. Shares the account client's CSRF token (it is fetched once through `me`), and
 * retries a write with an idempotency key once when the network lost the answer.
 */
export class InteractionApi {
  constructor(private readonly baseUrl = '') {}

  async request<T>(method: Method, path: string, body?: unknown, idemKey?: string): Promise<ApiResult<T>> {
    if (method !== 'GET' && accountApi.csrfToken === '') await accountApi.me()
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (method !== 'GET' && accountApi.csrfToken !== '') headers['x-csrf-token'] = accountApi.csrfToken
    if (idemKey !== undefined) headers['idempotency-key'] = idemKey
    const init: RequestInit = { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }
    let res: Response
    try {
      res = await fetch(this.baseUrl + path, init)
    } catch {
      if (idemKey === undefined) return { ok: false, status: 0, error: NETWORK }
      try {
        res = await fetch(this.baseUrl + path, init)
      } catch {
        return { ok: false, status: 0, error: NETWORK }
      }
    }
    const data: unknown = await res.json().catch(() => null)
    if (res.ok) return { ok: true, status: res.status, data: data as T }
    const error = data !== null && typeof (data as ErrorBody).error === 'string' ? (data as ErrorBody) : { error: 'HTTP_' + String(res.status), message: '' }
    if (error.retryAfterSec === undefined) {
      const after = Number(res.headers.get('retry-after'))
      if (Number.isFinite(after) && after > 0) error.retryAfterSec = after
    }
    return { ok: false, status: res.status, error }
  }

  // ---- polls
  listPolls(eventId: string): Promise<ApiResult<{ polls: Poll[] }>> {
    return this.request('GET', `${ev(eventId)}/polls`)
  }
  createPoll(eventId: string, body: CreatePollBody): Promise<ApiResult<Poll>> {
    return this.request('POST', `${ev(eventId)}/polls`, body)
  }
  openPoll(eventId: string, pollId: string): Promise<ApiResult<Poll>> {
    return this.request('POST', `${ev(eventId)}/polls/${seg(pollId)}/open`)
  }
  closePoll(eventId: string, pollId: string): Promise<ApiResult<Poll>> {
    return this.request('POST', `${ev(eventId)}/polls/${seg(pollId)}/close`)
  }
  /** `votePoll`: 201 stored, 409 ALREADY_VOTED also means this account's vote is in. */
  async votePoll(eventId: string, pollId: string, optionId: string): Promise<VoteResult> {
    const r = await this.request<{ ok: boolean }>('POST', `${ev(eventId)}/polls/${seg(pollId)}/votes`, { optionId })
    if (r.ok) return { ok: true, already: false }
    if (r.error.error === 'ALREADY_VOTED') return { ok: true, already: true }
    return { ok: false, code: r.error.error, ...(r.error.retryAfterSec !== undefined ? { retryAfterSec: r.error.retryAfterSec } : {}) }
  }

  // ---- Q&A
  askQuestion(eventId: string, text: string, anonymous: boolean): Promise<ApiResult<Question>> {
    return this.request('POST', `${ev(eventId)}/questions`, { text, anonymous }, idempotencyKey())
  }
  listQuestions(eventId: string, opts: { sort?: 'top' | 'new'; moderation?: boolean } = {}): Promise<ApiResult<QuestionList>> {
    const q = new URLSearchParams({ sort: opts.sort ?? 'top', ...(opts.moderation === true ? { view: 'moderation' } : {}) })
    return this.request('GET', `${ev(eventId)}/questions?${q.toString()}`)
  }
  upvoteQuestion(eventId: string, questionId: string): Promise<ApiResult<UpvoteResult>> {
    return this.request('POST', `${ev(eventId)}/questions/${seg(questionId)}/upvotes`)
  }
  moderateQuestion(eventId: string, questionId: string, action: ModerateQuestionBody['action']): Promise<ApiResult<Question>> {
    return this.request('POST', `${ev(eventId)}/questions/${seg(questionId)}/moderation`, { action })
  }

  // ---- chat
  sendChat(eventId: string, text: string): Promise<ApiResult<SequencedChatMessage>> {
    return this.request('POST', `${ev(eventId)}/chat/messages`, { text }, idempotencyKey())
  }
  listChat(eventId: string, limit = 100): Promise<ApiResult<ChatPage>> {
    return this.request('GET', `${ev(eventId)}/chat/messages?limit=${String(limit)}`)
  }
  reportChat(eventId: string, messageId: string, reason: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('POST', `${ev(eventId)}/chat/messages/${seg(messageId)}/reports`, reason === '' ? {} : { reason })
  }
  deleteChat(eventId: string, messageId: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `${ev(eventId)}/chat/messages/${seg(messageId)}`)
  }
  timeoutUser(eventId: string, userId: string, durationSec: number): Promise<ApiResult<TimeoutResult>> {
    return this.request('POST', `${ev(eventId)}/chat/timeouts`, { userId, durationSec })
  }
  banUser(eventId: string, userId: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('POST', `${ev(eventId)}/chat/bans`, { userId })
  }
  unbanUser(eventId: string, userId: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `${ev(eventId)}/chat/bans/${seg(userId)}`)
  }
  getChatSettings(eventId: string, moderation = false): Promise<ApiResult<ChatSettings>> {
    return this.request('GET', `${ev(eventId)}/chat/settings${moderation ? '?view=moderation' : ''}`)
  }
  updateChatSettings(eventId: string, body: UpdateChatSettingsBody): Promise<ApiResult<ChatSettings>> {
    return this.request('PATCH', `${ev(eventId)}/chat/settings`, body)
  }
  listChatReports(eventId: string): Promise<ApiResult<ChatReportList>> {
    return this.request('GET', `${ev(eventId)}/chat/reports`)
  }

  // ---- gateway
  createRealtimeToken(eventId: string, body: CreateRealtimeTokenBody = {}): Promise<ApiResult<RealtimeToken>> {
    return this.request('POST', `${ev(eventId)}/realtime-tokens`, body)
  }
}

/** The shared instance the pages use. */
export const interactionApi = new InteractionApi()
