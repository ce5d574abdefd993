// Pure blocked-word filter for chat and questions: normalisation, entry syntax, whole-word and phrase matching.
//
// The rule, in full:
// - Text and entries are compared after normalisation: compatibility decomposition (NFKD, so full-width
//   "ＢＡＤ" and ligatures become plain letters), combining marks removed (accents: "bád" = "bad"), a case
//   fold (upper then lower case, so "ß" = "ss"), and invisible format characters (zero-width space, soft
//   hyphen: Unicode category Cf) deleted so they cannot split a word.
// - Normalised text is cut into words: maximal runs of letters and digits. Everything else separates.
// - A plain entry (`ass`) matches a whole word only: "ass" and "ASS!" match, "class" and "assess" do not.
// - An entry of several words (`buy followers`, also `f.u` = words "f" "u") matches those words in a row.
// - `*` at the start and/or end of a one-word entry opts into partial matches: `spam*` matches words that
//   start with "spam", `*spam` words that end with it, `*ass*` any word that contains it ("class" too).
// - Not handled (documented gaps): look-alike letters from other scripts (Cyrillic "а"), digit
//   substitutions ("a55"), and a word spelled out with separators ("a s s" is three words).

/** Upper bound of one entry after trimming (the settings schema allows 64 characters). */
export const BLOCKED_ENTRY_MAX_CHARS = 64

/** A compiled blocked-word list. */
export interface BlockedWordFilter {
  readonly size: number
  /** Whole-word entries. */
  readonly words: ReadonlySet<string>
  /** Multi-word entries by their first word. */
  readonly phrases: ReadonlyMap<string, readonly (readonly string[])[]>
  readonly prefixes: readonly string[]
  readonly suffixes: readonly string[]
  readonly infixes: readonly string[]
  /** Normalised entry → the entry as configured (what a match reports). */
  readonly original: ReadonlyMap<string, string>
}

/** The normalised form text and entries are compared in. */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Cf}+/gu, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
}

/** The words of normalised text. */
export function wordsOf(text: string): string[] {
  return normaliseForMatch(text).match(/[\p{L}\p{N}]+/gu) ?? []
}

/** An entry as the filter understands it, or why it cannot be used. */
export type ParsedEntry =
  | { ok: true; kind: 'word' | 'prefix' | 'suffix' | 'infix'; word: string; key: string }
  | { ok: true; kind: 'phrase'; words: string[]; key: string }
  | { ok: false; reason: string }

/** Parses one configured entry (see the rule at the top of this file). */
export function parseEntry(entry: string): ParsedEntry {
  const trimmed = entry.trim()
  if (trimmed.length === 0 || trimmed.length > BLOCKED_ENTRY_MAX_CHARS) return { ok: false, reason: 'empty or too long' }
  const lead = trimmed.startsWith('*')
  const trail = trimmed.length > 1 && trimmed.endsWith('*')
  const core = trimmed.slice(lead ? 1 : 0, trail ? -1 : undefined)
  if (core.includes('*')) return { ok: false, reason: '* is allowed only at the start or end' }
  const words = wordsOf(core)
  if (words.length === 0) return { ok: false, reason: 'has no letters or digits' }
  if (words.length > 1) {
    if (lead || trail) return { ok: false, reason: '* works only on a single word' }
    return { ok: true, kind: 'phrase', words, key: words.join(' ') }
  }
  const word = words[0] as string
  if (lead && trail) return { ok: true, kind: 'infix', word, key: `*${word}*` }
  if (lead) return { ok: true, kind: 'suffix', word, key: `*${word}` }
  if (trail) return { ok: true, kind: 'prefix', word, key: `${word}*` }
  return { ok: true, kind: 'word', word, key: word }
}

/** Compiles a list; unusable entries are skipped (settings validation refuses them before they are stored). */
export function compileBlockedWords(entries: readonly string[]): BlockedWordFilter {
  const words = new Set<string>()
  const phrases = new Map<string, string[][]>()
  const prefixes: string[] = []
  const suffixes: string[] = []
  const infixes: string[] = []
  const original = new Map<string, string>()
  for (const entry of entries) {
    const p = parseEntry(entry)
    if (!p.ok || original.has(p.key)) continue
    original.set(p.key, entry.trim())
    if (p.kind === 'phrase') {
      const first = p.words[0] as string
      phrases.set(first, [...(phrases.get(first) ?? []), p.words])
    } else if (p.kind === 'word') words.add(p.word)
    else if (p.kind === 'prefix') prefixes.push(p.word)
    else if (p.kind === 'suffix') suffixes.push(p.word)
    else infixes.push(p.word)
  }
  return { size: original.size, words, phrases, prefixes, suffixes, infixes, original }
}

/** The first blocked entry (as configured) that `text` contains, or null. */
export function findBlockedWord(filter: BlockedWordFilter, text: string): string | null {
  if (filter.size === 0) return null
  const tokens = wordsOf(text)
  const hit = (key: string): string => filter.original.get(key) ?? key
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string
    if (filter.words.has(t)) return hit(t)
    for (const phrase of filter.phrases.get(t) ?? []) {
      if (phrase.every((w, j) => tokens[i + j] === w)) return hit(phrase.join(' '))
    }
    for (const w of filter.prefixes) if (t.startsWith(w)) return hit(`${w}*`)
    for (const w of filter.suffixes) if (t.endsWith(w)) return hit(`*${w}`)
    for (const w of filter.infixes) if (t.includes(w)) return hit(`*${w}*`)
  }
  return null
}

/** Entries of a list that cannot be used, with the reason (for a 400 on `updateChatSettings`). */
export function invalidEntries(entries: readonly string[]): { entry: string; reason: string }[] {
  const out: { entry: string; reason: string }[] = []
  for (const entry of entries) {
    const p = parseEntry(entry)
    if (!p.ok) out.push({ entry, reason: p.reason })
  }
  return out
}
