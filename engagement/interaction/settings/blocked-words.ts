// Pure blocked-word filter for chat and questions: normalisation, look-alikes, entry syntax, whole-word, phrase and spelled-out matching.
//
// The rule, in full:
// - Text and entries are compared after normalisation: Unicode compatibility folding (NFKC/NFKD, so full-width
//   "ＢＡＤ", ligatures and math letters become plain letters), combining marks removed (accents: "bád" = "bad"),
//   a case fold (upper then lower case, so "ß" = "ss"), invisible format characters (zero-width space, soft
//   hyphen, joiners: Unicode category Cf) deleted so they cannot split a word, and Cyrillic and Greek letters that
//   look like Latin ones replaced by them (`CONFUSABLES`: "bаd" with a Cyrillic "а" = "bad"). Look-alikes are
//   mapped after the case fold, by what the lower-case letter looks like, so a list in Greek or Cyrillic still
//   matches whatever its case (Greek "Ν" and "Η" read as their lower case: "v" and "n").
// - Normalised text is cut into words: maximal runs of letters and digits. Everything else separates.
// - A plain entry (`ass`) matches a whole word only: "ass" and "ASS!" match, "class" and "assess" do not.
// - An entry of several words (`buy followers`, also `f.u` = words "f" "u") matches those words in a row.
// - `*` at the start and/or end of a one-word entry opts into partial matches: `spam*` matches words that
//   start with "spam", `*spam` words that end with it, `*ass*` any word that contains it ("class" too).
// - Spelled out: a run of two or more one-character words, each separated from the next by exactly one
//   character that is not a letter or digit ("b.a.d", "b a d", "b-a-d", "b_a_d"), is also read as the word its
//   characters make. Any entry (a phrase without its spaces) matches when its letters appear in a row inside such
//   a run ("x b.a.d" → "xbad" contains "bad"): someone spelling letter by letter is dodging, not writing prose.
//   Two or more separator characters end a run ("b. a. d", "b  a  d" are not joined), and words of two or more
//   letters are never joined, so a blocked word's letters spread over ordinary words never match.
// - Not handled (documented gaps): digit substitutions ("a55"), look-alikes outside the table, and words split
//   into chunks of several letters ("ba d").

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

/**
 * Lower-case Cyrillic and Greek letters → the Latin letter they look like (applied after the case fold, so
 * upper-case look-alikes come through their lower case: Cyrillic "А" → "а" → "a").
 */
export const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', ь: 'b', с: 'c', ԁ: 'd', е: 'e', һ: 'h', н: 'h', і: 'i', ј: 'j', к: 'k', ӏ: 'l', м: 'm', о: 'o',
  р: 'p', ԛ: 'q', ѕ: 's', т: 't', у: 'y', ԝ: 'w', х: 'x',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'm', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', ζ: 'z',
}
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu')

/** The normalised form text and entries are compared in (idempotent). */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Cf}+/gu, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(CONFUSABLE_RE, (ch) => CONFUSABLES[ch] ?? ch)
    .normalize('NFKC')
}

/** A word of normalised text and where it stands there. */
interface Token {
  word: string
  start: number
  end: number
}

function tokensOf(normalised: string): Token[] {
  return [...normalised.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }))
}

/** The words of normalised text. */
export function wordsOf(text: string): string[] {
  return tokensOf(normaliseForMatch(text)).map((t) => t.word)
}

/**
 * Spelled-out runs of normalised text (see the rule at the top of this file): two or more one-character words,
 * each exactly one non-word character from the next, joined.
 */
export function spelledRuns(normalised: string): string[] {
  const runs: string[] = []
  let run: Token[] = []
  const close = (): void => {
    if (run.length >= 2) runs.push(run.map((t) => t.word).join(''))
    run = []
  }
  for (const t of tokensOf(normalised)) {
    if ([...t.word].length !== 1) {
      close()
      continue
    }
    const prev = run[run.length - 1]
    if (prev !== undefined && [...normalised.slice(prev.end, t.start)].length !== 1) close()
    run.push(t)
  }
  close()
  return runs
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
  const normalised = normaliseForMatch(text)
  const tokens = tokensOf(normalised).map((t) => t.word)
  const hit = (key: string): string => filter.original.get(key) ?? key
  const found = inWords(filter, tokens, hit)
  return found ?? inSpelledRuns(filter, spelledRuns(normalised), hit)
}

function inSpelledRuns(filter: BlockedWordFilter, runs: readonly string[], hit: (key: string) => string): string | null {
  for (const run of runs) {
    for (const w of filter.words) if (run.includes(w)) return hit(w)
    for (const list of filter.phrases.values()) for (const p of list) if (run.includes(p.join(''))) return hit(p.join(' '))
    for (const w of filter.prefixes) if (run.includes(w)) return hit(`${w}*`)
    for (const w of filter.suffixes) if (run.includes(w)) return hit(`*${w}`)
    for (const w of filter.infixes) if (run.includes(w)) return hit(`*${w}*`)
  }
  return null
}

function inWords(filter: BlockedWordFilter, tokens: readonly string[], hit: (key: string) => string): string | null {
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
