// Pure live-count core: each instance's cumulative counts of committed votes, what it reports, and the merge of all reports.
//
// Counts cross instances as a grow-only counter (G-counter): an instance never sends "+3", it sends
// "my total for option o1 of poll p is now 57" under its own field, and the store keeps the largest
// value per field. A report that is duplicated, delayed, reordered or lost (the next one repeats it)
// cannot move the merged count away from the number of votes the instances committed.

/** Per option: how many votes. */
export type Counts = Record<string, number>

/** Field of one instance's count of one option in a poll's merged hash. */
export function tallyField(instanceId: string, optionId: string): string {
  return `${instanceId}|${optionId}`
}

/** Splits a field back; null for a field this code did not write. */
export function parseTallyField(field: string): { instanceId: string; optionId: string } | null {
  const i = field.lastIndexOf('|')
  if (i <= 0 || i === field.length - 1) return null
  return { instanceId: field.slice(0, i), optionId: field.slice(i + 1) }
}

/**
 * One instance's tally: cumulative counts per poll of the votes this instance committed, and
 * which polls changed since their last successful report.
 */
export class LocalTally {
  private readonly totals = new Map<string, Map<string, number>>()
  private readonly dirty = new Set<string>()

  constructor(readonly instanceId: string) {}

  /** Counts one committed vote. */
  add(pollId: string, optionId: string): void {
    let perPoll = this.totals.get(pollId)
    if (perPoll === undefined) {
      perPoll = new Map()
      this.totals.set(pollId, perPoll)
    }
    perPoll.set(optionId, (perPoll.get(optionId) ?? 0) + 1)
    this.dirty.add(pollId)
  }

  /**
   * The reports owed: for each poll that changed, this instance's fields with their cumulative
   * values. The polls stay owed until {@link reported} is called for them.
   */
  pending(): Map<string, Counts> {
    const out = new Map<string, Counts>()
    for (const pollId of this.dirty) {
      const fields: Counts = {}
      for (const [optionId, n] of this.totals.get(pollId) ?? []) fields[tallyField(this.instanceId, optionId)] = n
      out.set(pollId, fields)
    }
    return out
  }

  /**
   * Marks a report as stored. A vote counted after `pending()` was taken changes a value, so the
   * poll stays owed unless the stored fields still equal the current totals.
   */
  reported(pollId: string, fields: Counts): void {
    const perPoll = this.totals.get(pollId)
    if (perPoll === undefined) return
    for (const [optionId, n] of perPoll) if (fields[tallyField(this.instanceId, optionId)] !== n) return
    this.dirty.delete(pollId)
  }

  /** Forgets a poll whose counts are final (its totals are in the database). */
  forget(pollId: string): void {
    this.totals.delete(pollId)
    this.dirty.delete(pollId)
  }

  /** This instance's own cumulative counts for a poll. */
  own(pollId: string): Counts {
    return Object.fromEntries(this.totals.get(pollId) ?? [])
  }
}

/** The store's merge of one report into a poll's hash: the largest value per field wins. */
export function mergeReport(store: Counts, report: Readonly<Counts>): Counts {
  const out: Counts = { ...store }
  for (const [field, n] of Object.entries(report)) out[field] = Math.max(out[field] ?? 0, n)
  return out
}

/**
 * Merged counts per option from a poll's hash (field → value, as read back from the store):
 * the sum over instances. Foreign or malformed fields are ignored.
 */
export function mergedCounts(hash: Readonly<Record<string, string | number>>): Counts {
  const out: Counts = {}
  for (const [field, raw] of Object.entries(hash)) {
    const parsed = parseTallyField(field)
    const n = Number(raw)
    if (parsed === null || !Number.isSafeInteger(n) || n < 0) continue
    out[parsed.optionId] = (out[parsed.optionId] ?? 0) + n
  }
  return out
}
