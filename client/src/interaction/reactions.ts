// Reactions, pure: taps coalesced into one `react` frame per emoji per 250 ms, and how many floating emoji a burst draws.
import { REACTION_EMOJI } from '../../../common/wire/live-constants.ts'
import type { ReactionEmoji } from '../../../common/wire/interaction.ts'

/** How often taps are sent: one frame per emoji per window at most (the gateway's tick). */
export const REACT_FLUSH_MS = 250
/** Largest `count` one frame may carry (ReactMsg); taps beyond it in one window are dropped. */
export const REACT_MAX_COUNT = 50
/** Most floating emoji one burst draws per emoji, however large the count. */
export const BURST_MAX_SPRITES = 8

/** Catalogue key (under `reactions.`) of each emoji's accessible name; the type makes every emoji of the set need one. */
export const REACTION_NAME_KEYS: Readonly<Record<ReactionEmoji, string>> = {
  '👏': 'reactions.clap',
  '🔥': 'reactions.fire',
  '😂': 'reactions.laugh',
  '😮': 'reactions.wow',
  '🎉': 'reactions.party',
  '💯': 'reactions.hundred',
}

/** The fixed set, in display order. */
export const EMOJI: readonly ReactionEmoji[] = REACTION_EMOJI

/** True for an emoji of the set (bursts from the server are checked before drawing). */
export function isReactionEmoji(s: string): s is ReactionEmoji {
  return (REACTION_EMOJI as readonly string[]).includes(s)
}

/** Taps waiting for the next flush, per emoji. */
export type PendingTaps = Readonly<Partial<Record<ReactionEmoji, number>>>

/** Adds one tap. */
export function tap(p: PendingTaps, emoji: ReactionEmoji): PendingTaps {
  return { ...p, [emoji]: Math.min(REACT_MAX_COUNT, (p[emoji] ?? 0) + 1) }
}

/** The frames of one flush (one per emoji with taps, in set order) and the emptied pending map. */
export function flush(p: PendingTaps): { frames: { emoji: ReactionEmoji; count: number }[]; rest: PendingTaps } {
  const frames = EMOJI.filter((e) => (p[e] ?? 0) > 0).map((emoji) => ({ emoji, count: p[emoji] ?? 0 }))
  return { frames, rest: {} }
}

/**
 * Floating emoji to draw for `count` reactions: one per doubling (1 → 1, 2–3 → 2, 4–7 → 3 …), at
 * most {@link BURST_MAX_SPRITES}, so a stadium's thousands of taps stay a readable burst.
 */
export function spritesFor(count: number): number {
  if (!(count > 0)) return 0
  return Math.min(BURST_MAX_SPRITES, Math.floor(Math.log2(count)) + 1)
}

/** One floating emoji of a burst. */
export interface Sprite {
  id: number
  emoji: ReactionEmoji
  /** Horizontal start, percent of the video's width. */
  leftPct: number
  /** Start delay within the burst, ms. */
  delayMs: number
  /** Local time it was added (ms), to remove it when its animation is over. */
  bornMs: number
}

/** Plans the sprites of a burst from server counts (unknown emoji ignored); `random` spreads them. */
export function planBurst(counts: Readonly<Record<string, number>>, firstId: number, random: () => number, bornMs: number): Sprite[] {
  const out: Sprite[] = []
  let id = firstId
  for (const [emoji, n] of Object.entries(counts)) {
    if (!isReactionEmoji(emoji)) continue
    for (let i = 0; i < spritesFor(n); i++) out.push({ id: id++, emoji, leftPct: 55 + random() * 40, delayMs: Math.floor(random() * 600), bornMs })
  }
  return out
}
