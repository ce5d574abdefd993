// The gateway connection: one WebSocket per event page, hello and clock offset, resume after reconnect, gap + snapshot, keepalive, votes with ack.
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import { REALTIME_PATH_PREFIX } from '../../../common/wire/live-constants.ts'
import { INITIAL_STATE, reduce, type EventState } from './state.ts'

/** The part of the browser's WebSocket the connection uses (the `ws` package's client fits too, for tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error', fn: () => void): void
  addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void
}

/** Makes a socket for a URL (`(url) => new WebSocket(url)` in the browser). */
export type SocketFactory = (url: string) => SocketLike

/** Where the connection is (a phase, not text: the page shows `event.connection`). */
export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Outcome of a vote: stored (also when the server says it already had this account's vote), or refused with a code. */
export type VoteResult = { ok: true; already: boolean } | { ok: false; code: string; retryAfterSec?: number }

/** Options of {@link RealtimeConnection}; everything with a clock or randomness is injectable. */
export interface ConnectionOptions {
  /** Full socket URL (see {@link eventSocketUrl}). */
  url: string
  socket: SocketFactory
  /** New state after every message that changed it. */
  onState: (s: EventState) => void
  /** Every parsed server message (reactions, refusals and the rest), after the state was updated. */
  onMessage?: (m: ServerMessage) => void
  onLink?: (s: LinkState) => void
  /** REST fallback for a vote whose socket went away before its answer (`votePoll`). */
  voteOverRest: (pollId: string, optionId: string) => Promise<VoteResult>
  now?: () => number
  random?: () => number
  /** Application ping interval (browsers cannot send WebSocket pings). */
  pingIntervalMs?: number
  /** A vote without `ack` or `error` after this long is retried over REST. */
  voteTimeoutMs?: number
  /** First reconnect delay; doubles per failed attempt up to {@link ConnectionOptions.maxBackoffMs}. */
  baseBackoffMs?: number
  maxBackoffMs?: number
}

/** `<realtimeUrl>/v1/events/<eventId>`, with `?token=` for clients that carry no cookie (the overlay). */
export function eventSocketUrl(realtimeUrl: string, eventId: string, token?: string): string {
  const base = realtimeUrl.replace(/\/+$/, '')
  return `${base}${REALTIME_PATH_PREFIX}${encodeURIComponent(eventId)}${token ? `?token=${encodeURIComponent(token)}` : ''}`
}

/**
 * Reconnect delay for attempt `n` (0-based): exponential from `baseMs`, capped at `maxMs`, with half
 * of it random ("equal jitter"), so a gateway restart does not bring every viewer back at once.
 */
export function backoffMs(attempt: number, random: number, baseMs = 500, maxMs = 30_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20))
  return Math.round(ceiling / 2 + (ceiling / 2) * random)
}

const ORDERED = new Set(['question', 'chat', 'chat.deleted', 'moderation'])
const KNOWN = new Set(['hello', 'poll', 'question.votes', 'reactions', 'presence', 'gap', 'snapshot', 'ack', 'pong', 'error', ...ORDERED])

/** Parses one frame; null for anything that is not a server message this client understands. */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string' || data.length > 4_000_000) return null
  let v: unknown
  try {
    v = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const o = v as { type?: unknown; seq?: unknown }
  if (typeof o.type !== 'string' || !KNOWN.has(o.type)) return null
  if (ORDERED.has(o.type) && !(Number.isSafeInteger(o.seq) && (o.seq as number) >= 0)) return null
  return v as ServerMessage
}

interface PendingVote {
  pollId: string
  optionId: string
  resolve: (r: VoteResult) => void
  timer: ReturnType<typeof setTimeout>
  settled: boolean
}

const OPEN = 1

/**
 * One event's live connection. Keeps the state (reducer in state.ts) and the last seq; after a drop it
 * reconnects with jittered backoff and sends `resume` with that seq, so nothing ordered is missed (a
 * `gap` + `snapshot` replaces the state when the server's history no longer reaches back that far).
 */
export class RealtimeConnection {
  readonly #o: Required<Omit<ConnectionOptions, 'onMessage' | 'onLink'>> & Pick<ConnectionOptions, 'onMessage' | 'onLink'>
  #state: EventState = INITIAL_STATE
  #socket: SocketLike | null = null
  #attempt = 0
  #reconnect: ReturnType<typeof setTimeout> | undefined
  #ping: ReturnType<typeof setInterval> | undefined
  #lastHeardMs = 0
  #stopped = false
  #offsetMs = 0
  #refs = 0
  readonly #pending = new Map<string, PendingVote>()

  constructor(opts: ConnectionOptions) {
    this.#o = { now: () => Date.now(), random: Math.random, pingIntervalMs: 20_000, voteTimeoutMs: 8_000, baseBackoffMs: 500, maxBackoffMs: 30_000, ...opts }
  }

  /** The current state (also given to `onState`). */
  get state(): EventState {
    return this.#state
  }

  /** Server clock minus local clock (ms), from the latest `hello`. */
  get serverOffsetMs(): number {
    return this.#offsetMs
  }

  /** Opens the socket (idempotent). */
  start(): void {
    if (this.#stopped || this.#socket !== null) return
    this.#open()
  }

  /** Closes for good; pending votes are settled over REST. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#reconnect)
    clearInterval(this.#ping)
    const s = this.#socket
    this.#socket = null
    s?.close(1000, 'bye')
    this.#retryPendingOverRest()
    this.#o.onLink?.('closed')
  }

  /** Replaces the state from outside (REST additions such as `listPolls`), notifying `onState`. */
  update(fn: (s: EventState) => EventState): void {
    const next = fn(this.#state)
    if (next !== this.#state) this.#setState(next)
  }

  /**
   * Votes over the socket and resolves on its `ack` or `error`. If the socket is not open, drops
   * before the answer, or answers too late, the vote goes over REST instead; a 409 ALREADY_VOTED there
   * means the first attempt was stored, so it counts as success.
   */
  vote(pollId: string, optionId: string): Promise<VoteResult> {
    const s = this.#socket
    if (s === null || s.readyState !== OPEN) return this.#o.voteOverRest(pollId, optionId)
    const ref = `v${++this.#refs}-${Math.floor(this.#o.random() * 1e9).toString(36)}`
    return new Promise<VoteResult>((resolve) => {
      const timer = setTimeout(() => this.#fallBack(ref), this.#o.voteTimeoutMs)
      this.#pending.set(ref, { pollId, optionId, resolve, timer, settled: false })
      try {
        s.send(JSON.stringify({ type: 'vote', pollId, optionId, ref }))
      } catch {
        this.#fallBack(ref)
      }
    })
  }

  /** Sends a coalesced reaction frame; false when the socket is not open (the taps are dropped, as reactions may be). */
  react(emoji: string, count: number): boolean {
    return this.#send({ type: 'react', emoji, ...(count > 1 ? { count } : {}) })
  }

  #send(msg: object): boolean {
    const s = this.#socket
    if (s === null || s.readyState !== OPEN) return false
    try {
      s.send(JSON.stringify(msg))
      return true
    } catch {
      return false
    }
  }

  #setState(s: EventState): void {
    this.#state = s
    this.#o.onState(s)
  }

  #open(): void {
    this.#o.onLink?.(this.#attempt === 0 ? 'connecting' : 'reconnecting')
    let s: SocketLike
    try {
      s = this.#o.socket(this.#o.url)
    } catch {
      this.#scheduleReconnect()
      return
    }
    this.#socket = s
    s.addEventListener('message', (e) => {
      if (this.#socket === s) this.#onFrame(e.data)
    })
    s.addEventListener('close', () => {
      if (this.#socket === s) this.#onClose()
    })
    s.addEventListener('error', () => {
      // A close event follows; reconnecting happens there.
    })
  }

  #onFrame(data: unknown): void {
    this.#lastHeardMs = this.#o.now()
    const m = parseServerMessage(data)
    if (m === null) return
    if (m.type === 'hello') this.#onHello(m)
    else if (m.type === 'ack') this.#settle(m.ref, { ok: true, already: false })
    else if (m.type === 'error' && m.ref !== undefined) this.#settle(m.ref, m.code === 'ALREADY_VOTED' ? { ok: true, already: true } : { ok: false, code: m.code })
    const next = reduce(this.#state, m)
    if (next !== this.#state) this.#setState(next)
    this.#o.onMessage?.(m)
  }

  #onHello(m: Extract<ServerMessage, { type: 'hello' }>): void {
    this.#offsetMs = m.serverTime - this.#o.now()
    this.#attempt = 0
    this.#o.onLink?.('open')
    // Everything after what this page has (0 on a first connection: the history, or gap + snapshot when
    // the history window no longer reaches back to the start). The gateway holds ordered items until it.
    this.#send({ type: 'resume', afterSeq: this.#state.seq })
    clearInterval(this.#ping)
    this.#ping = setInterval(() => this.#keepAlive(), this.#o.pingIntervalMs)
  }

  #keepAlive(): void {
    // Two silent intervals: the connection is dead even if the browser has not noticed.
    if (this.#o.now() - this.#lastHeardMs > 2 * this.#o.pingIntervalMs) {
      this.#socket?.close(4000, 'keepalive timeout')
      this.#onClose()
      return
    }
    this.#send({ type: 'ping' })
  }

  #onClose(): void {
    clearInterval(this.#ping)
    this.#socket = null
    this.#retryPendingOverRest()
    if (!this.#stopped) this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    this.#o.onLink?.('reconnecting')
    clearTimeout(this.#reconnect)
    const delay = backoffMs(this.#attempt++, this.#o.random(), this.#o.baseBackoffMs, this.#o.maxBackoffMs)
    this.#reconnect = setTimeout(() => {
      if (!this.#stopped && this.#socket === null) this.#open()
    }, delay)
  }

  #settle(ref: string, r: VoteResult): void {
    const p = this.#pending.get(ref)
    if (p === undefined || p.settled) return
    p.settled = true
    clearTimeout(p.timer)
    this.#pending.delete(ref)
    p.resolve(r)
  }

  #fallBack(ref: string): void {
    const p = this.#pending.get(ref)
    if (p === undefined || p.settled) return
    p.settled = true
    clearTimeout(p.timer)
    this.#pending.delete(ref)
    this.#o.voteOverRest(p.pollId, p.optionId).then(p.resolve, () => p.resolve({ ok: false, code: 'NETWORK' }))
  }

  #retryPendingOverRest(): void {
    for (const ref of [...this.#pending.keys()]) this.#fallBack(ref)
  }
}
