/**
 * Stream lifecycle per angle as a pure state machine with an injected clock: one live publisher
 * per angle; a dropped publisher leaves the angle in a grace period; a reconnect within it resumes
 * after a discontinuity; expiry or an operator end ends the stream.
 */
import type { StreamTarget } from '../contract.ts'

/** What the adapter must do to the packager or publishers. */
export type LifecycleEffect =
  | { kind: 'begin'; target: StreamTarget }
  | { kind: 'discontinuity'; target: StreamTarget }
  | { kind: 'end'; target: StreamTarget }
  /** Disconnect this publisher (operator end). */
  | { kind: 'kick'; target: StreamTarget; publisherId: string }

/** Answer to an admission request. */
export type Admission = { ok: true; effects: LifecycleEffect[] } | { ok: false; reason: 'ALREADY_LIVE' }

type AngleState = { phase: 'live'; target: StreamTarget; publisherId: string } | { phase: 'grace'; target: StreamTarget; deadlineMs: number }

/** `event/angle`, the identity of one angle. */
export function targetId(t: StreamTarget): string {
  return `${t.event}/${t.angle}`
}

/** Lifecycle of every angle on this origin. */
export class Lifecycle {
  private readonly angles = new Map<string, AngleState>()

  constructor(private readonly graceMs: number) {}

  /** A publisher passed the key check and wants to go live on `target`. */
  admit(target: StreamTarget, publisherId: string): Admission {
    const id = targetId(target)
    const st = this.angles.get(id)
    if (st?.phase === 'live') return { ok: false, reason: 'ALREADY_LIVE' }
    this.angles.set(id, { phase: 'live', target, publisherId })
    return { ok: true, effects: [{ kind: st === undefined ? 'begin' : 'discontinuity', target }] }
  }

  /** The publisher's connection (or its transcoder) went away. */
  drop(target: StreamTarget, publisherId: string, nowMs: number): void {
    const id = targetId(target)
    const st = this.angles.get(id)
    if (st?.phase !== 'live' || st.publisherId !== publisherId) return
    this.angles.set(id, { phase: 'grace', target, deadlineMs: nowMs + this.graceMs })
  }

  /** The live transcoder restarted under the same publisher: the next fragments follow a discontinuity. */
  restart(target: StreamTarget, publisherId: string): LifecycleEffect[] {
    const st = this.angles.get(targetId(target))
    return st?.phase === 'live' && st.publisherId === publisherId ? [{ kind: 'discontinuity', target }] : []
  }

  /** Ends angles whose grace period ran out. */
  tick(nowMs: number): LifecycleEffect[] {
    const out: LifecycleEffect[] = []
    for (const [id, st] of this.angles) {
      if (st.phase === 'grace' && nowMs >= st.deadlineMs) {
        this.angles.delete(id)
        out.push({ kind: 'end', target: st.target })
      }
    }
    return out
  }

  /** Operator end of an event: kick its publishers and end all its angles now. */
  endEvent(event: string): LifecycleEffect[] {
    const out: LifecycleEffect[] = []
    for (const [id, st] of this.angles) {
      if (st.target.event !== event) continue
      this.angles.delete(id)
      if (st.phase === 'live') out.push({ kind: 'kick', target: st.target, publisherId: st.publisherId })
      out.push({ kind: 'end', target: st.target })
    }
    return out
  }

  /** Earliest grace deadline, so the adapter can arm one timer. */
  nextDeadline(): number | undefined {
    let min: number | undefined
    for (const st of this.angles.values()) if (st.phase === 'grace' && (min === undefined || st.deadlineMs < min)) min = st.deadlineMs
    return min
  }

  /** Whether an angle currently has a live publisher. */
  isLive(target: StreamTarget): boolean {
    return this.angles.get(targetId(target))?.phase === 'live'
  }
}
