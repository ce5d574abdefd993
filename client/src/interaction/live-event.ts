// One event's live interaction for a page: the gateway connection, stream sync against the player, coalesced reactions and bursts, the viewer's own votes.
import type { Poll, Question, ReactionEmoji } from '../../../common/wire/interaction.ts'
import { RealtimeConnection, eventSocketUrl, type LinkState, type SocketFactory, type VoteResult } from '../realtime/connection.ts'
import { INITIAL_STATE, withPolls, type EventState } from '../realtime/state.ts'
import { interactionApi, type InteractionApi } from './api.ts'
import { REACT_FLUSH_MS, flush, planBurst, tap, type PendingTaps, type Sprite } from './reactions.ts'
import { dueBursts, emptySync, forget, offer, pollGate, questionGate, release, viewClockMs, type HeldBurst, type SyncState } from './sync.ts'

/** How long a floating emoji lives on screen (ms); the CSS animation is as long. */
export const SPRITE_LIFE_MS = 2600
const MAX_SPRITES = 60
const TICK_MS = REACT_FLUSH_MS

/** What the panels render; a new object on every change. */
export interface LiveView {
  /** The reducer's state: what the server has said so far (moderators read it directly). */
  state: EventState
  /** Polls as the viewer should see them now (held until the playhead reaches their stamps). */
  polls: Readonly<Record<string, Poll>>
  /** Questions as the viewer should see them now. */
  questions: Readonly<Record<string, Question>>
  /** The gateway connection's state. */
  link: LinkState
  /** The countdown clock (ms): the playhead's PDT while video plays, else server time; whole seconds. */
  viewNowMs: number
  /** Floating reaction emoji on screen. */
  sprites: readonly Sprite[]
  /** This viewer's votes, poll id → option id. */
  myVotes: Readonly<Record<string, string>>
}

/** Options of {@link LiveEvent}. */
export interface LiveEventOptions {
  eventId: string
  realtimeUrl: string
  /** `createRealtimeToken` token for pages without the session cookie (the overlay). */
  token?: string
  /**
   * Hold stamped changes until the playhead reaches them (the viewer page). Off for moderators, who
   * act live, and for the overlay, which OBS composites into the stream at live time.
   */
  sync: boolean
  /** The player's PROGRAM-DATE-TIME at the playhead (ms), null without a playing video. */
  playheadMs?: () => number | null
  socket?: SocketFactory
  api?: InteractionApi
  /** Where own votes are remembered across reloads; null to keep them in memory. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null
  now?: () => number
  random?: () => number
}

/** A page's live event; `subscribe` for {@link LiveView}s, `start` to connect, `stop` on unmount. */
export class LiveEvent {
  readonly #o: LiveEventOptions
  readonly #api: InteractionApi
  readonly #conn: RealtimeConnection
  readonly #listeners = new Set<(v: LiveView) => void>()
  #view: LiveView
  #polls: SyncState<Poll> = emptySync()
  #questions: SyncState<Question> = emptySync()
  #bursts: HeldBurst[] = []
  #taps: PendingTaps = {}
  #spriteId = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(o: LiveEventOptions) {
    this.#o = o
    this.#api = o.api ?? interactionApi
    this.#conn = new RealtimeConnection({
      url: eventSocketUrl(o.realtimeUrl, o.eventId, o.token),
      socket: o.socket ?? ((url) => new WebSocket(url)),
      onState: (s) => this.#onState(s),
      onMessage: (m) => {
        if (m.type === 'reactions') this.#bursts = [...this.#bursts, { atMs: m.at, counts: m.counts, receivedAtMs: this.#now() }].slice(-40)
      },
      onLink: (link) => {
        this.#emit({ ...this.#view, link })
        if (link === 'open') void this.#loadPolls()
      },
      voteOverRest: (pollId, optionId) => this.#api.votePoll(o.eventId, pollId, optionId),
      ...(o.now ? { now: o.now } : {}),
      ...(o.random ? { random: o.random } : {}),
    })
    this.#view = { state: INITIAL_STATE, polls: {}, questions: {}, link: 'connecting', viewNowMs: 0, sprites: [], myVotes: this.#loadVotes() }
  }

  /** The current view. */
  get view(): LiveView {
    return this.#view
  }

  /** Server clock minus local clock, from the gateway's `hello`. */
  get serverOffsetMs(): number {
    return this.#conn.serverOffsetMs
  }

  /** Calls `fn` with the current view and every later one; returns the unsubscriber. */
  subscribe(fn: (v: LiveView) => void): () => void {
    this.#listeners.add(fn)
    fn(this.#view)
    return () => this.#listeners.delete(fn)
  }

  /** Connects and starts the sync tick. */
  start(): void {
    this.#conn.start()
    clearInterval(this.#timer)
    this.#timer = setInterval(() => this.#tick(), TICK_MS)
    this.#tick()
  }

  /** Disconnects and stops every timer. */
  stop(): void {
    clearInterval(this.#timer)
    this.#flushTaps()
    this.#conn.stop()
    this.#listeners.clear()
  }

  /** Votes (socket with REST fallback); a stored vote is remembered and marked. */
  async vote(pollId: string, optionId: string): Promise<VoteResult> {
    const r = await this.#conn.vote(pollId, optionId)
    if (r.ok) {
      const myVotes = { ...this.#view.myVotes, [pollId]: optionId }
      this.#saveVotes(myVotes)
      this.#emit({ ...this.#view, myVotes })
    }
    return r
  }

  /** Merges polls a REST call answered (a created or opened poll), with the never-backwards rule. */
  mergePolls(polls: readonly Poll[]): void {
    this.#conn.update((s) => withPolls(s, polls))
  }

  /** One tap: drawn at once for feedback, sent coalesced with the window's other taps. */
  react(emoji: ReactionEmoji): void {
    this.#taps = tap(this.#taps, emoji)
    this.#addSprites(planBurst({ [emoji]: 1 }, this.#spriteId, this.#o.random ?? Math.random, this.#now()))
  }

  #now(): number {
    return (this.#o.now ?? Date.now)()
  }

  #playhead(): number | null {
    return this.#o.sync ? (this.#o.playheadMs?.() ?? null) : null
  }

  #emit(v: LiveView): void {
    this.#view = v
    for (const fn of this.#listeners) fn(v)
  }

  #onState(s: EventState): void {
    const prev = this.#view.state
    const playhead = this.#playhead()
    const now = this.#now()
    if (s.polls !== prev.polls) {
      for (const [id, p] of Object.entries(s.polls)) if (prev.polls[id] !== p) this.#polls = offer(this.#polls, id, p, pollGate(p), playhead, now)
      for (const id of Object.keys(prev.polls)) if (!(id in s.polls)) this.#polls = forget(this.#polls, id)
    }
    if (s.questions !== prev.questions) {
      for (const [id, q] of Object.entries(s.questions)) if (prev.questions[id] !== q) this.#questions = offer(this.#questions, id, q, questionGate(q), playhead, now)
      for (const id of Object.keys(prev.questions)) if (!(id in s.questions)) this.#questions = forget(this.#questions, id)
    }
    this.#emit({ ...this.#view, state: s, polls: this.#polls.shown, questions: this.#questions.shown })
  }

  #tick(): void {
    this.#flushTaps()
    const playhead = this.#playhead()
    const now = this.#now()
    this.#polls = release(this.#polls, playhead, now)
    this.#questions = release(this.#questions, playhead, now)
    if (this.#bursts.length > 0) {
      const { due, waiting } = dueBursts(this.#bursts, playhead, now)
      this.#bursts = waiting
      for (const b of due) this.#addSprites(planBurst(b.counts, this.#spriteId, this.#o.random ?? Math.random, now), false)
    }
    const viewNowMs = Math.floor(viewClockMs(playhead, now, this.#conn.serverOffsetMs) / 1000) * 1000
    const sprites = this.#view.sprites.filter((sp) => sp.bornMs + SPRITE_LIFE_MS > now)
    const v = this.#view
    if (v.polls !== this.#polls.shown || v.questions !== this.#questions.shown || v.viewNowMs !== viewNowMs || sprites.length !== v.sprites.length) {
      this.#emit({ ...v, polls: this.#polls.shown, questions: this.#questions.shown, viewNowMs, sprites })
    }
  }

  #addSprites(list: Sprite[], emit = true): void {
    if (list.length === 0) return
    this.#spriteId += list.length
    const sprites = [...this.#view.sprites, ...list].slice(-MAX_SPRITES)
    if (emit) this.#emit({ ...this.#view, sprites })
    else this.#view = { ...this.#view, sprites }
  }

  #flushTaps(): void {
    const { frames, rest } = flush(this.#taps)
    this.#taps = rest
    for (const f of frames) this.#conn.react(f.emoji, f.count)
  }

  async #loadPolls(): Promise<void> {
    // Polls are not in the ordered feed: a (re)connect asks for them, so a close missed while away shows.
    const r = await this.#api.listPolls(this.#o.eventId)
    if (r.ok) this.#conn.update((s) => withPolls(s, r.data.polls))
  }

  #votesKey(): string {
    return `swarmstage.votes.${this.#o.eventId}`
  }

  #loadVotes(): Record<string, string> {
    try {
      const raw = this.#o.storage?.getItem(this.#votesKey())
      const v: unknown = raw ? JSON.parse(raw) : {}
      return typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {}
    } catch {
      return {}
    }
  }

  #saveVotes(v: Record<string, string>): void {
    try {
      this.#o.storage?.setItem(this.#votesKey(), JSON.stringify(Object.fromEntries(Object.entries(v).slice(-50))))
    } catch {
      // Private mode or a full store: the mark lasts until reload.
    }
  }
}
