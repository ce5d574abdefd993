// Stream sync, pure: holds stamped changes (poll opened/closed, question answered, reaction bursts) until the playhead's PROGRAM-DATE-TIME reaches their stamp.
import type { Poll, Question } from '../../../common/wire/interaction.ts'

/**
 * Longest a change is held (ms of local time). A playhead that is further behind than this (paused,
 * seeking back, a stalled stream) no longer hides what happened live.
 */
export const MAX_HOLD_MS = 15_000

/** One version of an item waiting for the playhead. */
export interface Held<T> {
  value: T
  /** Wall-clock stamp (ms) the playhead must reach; null shows at once. */
  gateMs: number | null
  /** Local time it arrived, for {@link MAX_HOLD_MS}. */
  receivedAtMs: number
}

/** Shown versions by key, and the newer versions still held. */
export interface SyncState<T> {
  shown: Readonly<Record<string, T>>
  held: Readonly<Record<string, readonly Held<T>[]>>
}

function omit<V>(o: Readonly<Record<string, V>>, key: string): Record<string, V> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== key))
}

/** No item shown or held. */
export function emptySync<T>(): SyncState<T> {
  return { shown: {}, held: {} }
}

/**
 * Whether a held version may be shown: no stamp, no playing video (`playheadMs` null: show what
 * happens as it happens), the playhead's PDT at or past the stamp, or held for too long.
 */
export function isDue(h: Held<unknown>, playheadMs: number | null, nowMs: number): boolean {
  return h.gateMs === null || playheadMs === null || playheadMs >= h.gateMs || nowMs - h.receivedAtMs >= MAX_HOLD_MS
}

function settle<T>(list: readonly Held<T>[], playheadMs: number | null, nowMs: number): { show: T | undefined; rest: readonly Held<T>[] } {
  let last = -1
  list.forEach((h, i) => {
    if (isDue(h, playheadMs, nowMs)) last = i
  })
  // The newest due version supersedes every older one, held or not.
  return last < 0 ? { show: undefined, rest: list } : { show: list[last]?.value, rest: list.slice(last + 1) }
}

/** A new version of `key` arrived (the reducer's object changed); shows it now or holds it. */
export function offer<T>(s: SyncState<T>, key: string, value: T, gateMs: number | null, playheadMs: number | null, nowMs: number): SyncState<T> {
  const before = s.held[key] ?? []
  const last = before[before.length - 1]
  // Tick updates of a held poll share its stamp: the newer replaces the older (both would show together),
  // keeping the first arrival time for the hold limit. The list stays one entry per stamp.
  const list =
    last !== undefined && last.gateMs === gateMs
      ? [...before.slice(0, -1), { value, gateMs, receivedAtMs: last.receivedAtMs }]
      : [...before, { value, gateMs, receivedAtMs: nowMs }]
  const { show, rest } = settle(list, playheadMs, nowMs)
  const shown = show === undefined ? s.shown : { ...s.shown, [key]: show }
  return { shown, held: rest.length === 0 ? omit(s.held, key) : { ...s.held, [key]: rest } }
}

/** Called as the playhead moves: releases every held version that is now due. Unchanged state is returned as is. */
export function release<T>(s: SyncState<T>, playheadMs: number | null, nowMs: number): SyncState<T> {
  let shown = s.shown
  let held = s.held
  for (const [key, list] of Object.entries(s.held)) {
    const r = settle(list, playheadMs, nowMs)
    if (r.show === undefined) continue
    shown = { ...shown, [key]: r.show }
    held = r.rest.length === 0 ? omit(held, key) : { ...held, [key]: r.rest }
  }
  return shown === s.shown ? s : { shown, held }
}

/** Removes a key entirely (the item disappeared from the state, e.g. a snapshot without it). */
export function forget<T>(s: SyncState<T>, key: string): SyncState<T> {
  if (!(key in s.shown) && !(key in s.held)) return s
  return { shown: omit(s.shown, key), held: omit(s.held, key) }
}

const ms = (when: string | null): number | null => {
  if (when === null) return null
  const t = Date.parse(when)
  return Number.isFinite(t) ? t : null
}

/** The stamp a poll version waits for: its close once closed, its opening while open; drafts are not synchronised. */
export function pollGate(p: Poll): number | null {
  if (p.status === 'closed') return ms(p.closedAt) ?? ms(p.openedAt)
  if (p.status === 'open') return ms(p.openedAt)
  return null
}

/** A question waits for the moment it was marked answered; other changes (approval, pin) show at once. */
export function questionGate(q: Question): number | null {
  return ms(q.answeredAt)
}

/**
 * The clock a poll's countdown runs on: the playhead's PDT while a video plays (the viewer sees the
 * host's "30 seconds left" with the picture), else the server's clock (local time corrected by the
 * offset measured from `hello.serverTime`).
 */
export function viewClockMs(playheadMs: number | null, localNowMs: number, serverOffsetMs: number): number {
  return playheadMs ?? localNowMs + serverOffsetMs
}

/** Whole seconds left before `closesAt` on the view clock (0 when past); null without a deadline. */
export function secondsLeft(p: Poll, viewNowMs: number): number | null {
  const end = ms(p.closesAt)
  if (p.status !== 'open' || end === null) return null
  return Math.max(0, Math.ceil((end - viewNowMs) / 1000))
}

/** A reaction burst waiting for the playhead (`reactions.at`). */
export interface HeldBurst {
  atMs: number
  counts: Readonly<Record<string, number>>
  receivedAtMs: number
}

/** Splits held bursts into those due now and those still waiting, keeping arrival order. */
export function dueBursts(list: readonly HeldBurst[], playheadMs: number | null, nowMs: number): { due: HeldBurst[]; waiting: HeldBurst[] } {
  const due: HeldBurst[] = []
  const waiting: HeldBurst[] = []
  for (const b of list) (isDue({ value: null, gateMs: b.atMs, receivedAtMs: b.receivedAtMs }, playheadMs, nowMs) ? due : waiting).push(b)
  return { due, waiting }
}
