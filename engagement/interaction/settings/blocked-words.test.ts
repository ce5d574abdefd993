// Blocked-word filter: the documented rule as a table, and its invariances as fast-check properties.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { CONFUSABLES, compileBlockedWords, findBlockedWord, invalidEntries, normaliseForMatch, parseEntry, spelledRuns, wordsOf } from './blocked-words.ts'

describe('findBlockedWord (table)', () => {
  it.each<[string, string[], string, string | null]>([
    ['whole word', ['ass'], 'what an ass', 'ass'],
    ['no substring match', ['ass'], 'first class assessment', null],
    ['punctuation separates', ['ass'], 'you,ass!', 'ass'],
    ['case', ['Spam'], 'SPAM here', 'Spam'],
    ['accents in text', ['cafe'], 'le café', 'cafe'],
    ['accents in entry', ['café'], 'CAFE', 'café'],
    ['full width', ['bad'], 'so ＢＡＤ', 'bad'],
    ['sharp s folds to ss', ['strasse'], 'Straße', 'strasse'],
    ['zero-width space does not split', ['spam'], 'sp\u200Bam', 'spam'],
    ['soft hyphen does not split', ['spam'], 'sp\u00ADam', 'spam'],
    ['phrase in a row', ['buy followers'], 'Buy   FOLLOWERS now', 'buy followers'],
    ['phrase words apart', ['buy followers'], 'buy many followers', null],
    ['phrase with punctuation entry', ['f.u'], 'f u', 'f.u'],
    ['prefix', ['spam*'], 'spammers everywhere', 'spam*'],
    ['prefix not inside', ['spam*'], 'antispam', null],
    ['suffix', ['*coin'], 'buy shitcoin', '*coin'],
    ['infix opts into substrings', ['*ass*'], 'first class', '*ass*'],
    ['digits are word characters', ['42'], 'answer: 42.', '42'],
    ['digits inside a word do not match', ['42'], 'a4242', null],
    ['empty list', [], 'anything', null],
    // Look-alikes (Cyrillic, Greek) in text and in entries
    ['Cyrillic а and о', ['bad', 'boot'], 'so bаd', 'bad'],
    ['all-Cyrillic look-alike word', ['cop'], 'сор', 'cop'],
    ['Cyrillic capitals fold first', ['scam'], 'ЅСАМ', 'scam'],
    ['Greek ο α ε', ['hello'], 'hεllο', 'hello'],
    ['Greek ν reads as v', ['vote'], 'νοτε', 'vote'],
    ['Cyrillic і ј', ['join'], 'јоіn', 'join'],
    ['look-alike in the entry', ['bаd'], 'BAD', 'bаd'],
    ['a Cyrillic list matches Cyrillic text in any case', ['привет'], 'ПРИВЕТ всем', 'привет'],
    ['Greek list, lower and upper case', ['νίκη'], 'ΝΙΚΗ!', 'νίκη'],
    ['math bold letters', ['bad'], '𝐛𝐚𝐝', 'bad'],
    ['zero-width joiner and word joiner', ['spam'], 's\u200Dp\u2060am', 'spam'],
    ['look-alike without a Latin twin is no match', ['bad'], 'бад', null],
    // Spelled out: one separator character between single letters
    ['dots', ['bad'], 'you are b.a.d', 'bad'],
    ['spaces', ['bad'], 'b a d!', 'bad'],
    ['dashes', ['bad'], 'b-a-d', 'bad'],
    ['underscores', ['bad'], 'b_a_d', 'bad'],
    ['mixed separators and a look-alike', ['bad'], 'b.а_d', 'bad'],
    ['inside a longer spelled run', ['bad'], 'x b.a.d y', 'bad'],
    ['spelled phrase', ['buy followers'], 'b u y f o l l o w e r s', 'buy followers'],
    ['spelled with zero-width spaces between', ['bad'], 'b\u200B.a\u200B.d', 'bad'],
    ['prefix entry spelled out', ['spam*'], 's p a m m e r', 'spam*'],
    // …and what stays apart
    ['two separator characters end a run', ['bad'], 'b. a. d.', null],
    ['double spaces', ['bad'], 'b  a  d', null],
    ['letters spread over ordinary words', ['bad'], 'be a dear', null],
    ['single letters among words', ['bad'], 'plan b a different day', null],
    ['initials of a sentence', ['ass'], 'a sunny saturday', null],
    ['a chunk of two letters is not joined', ['bad'], 'ba d', null],
    ['a spelled run that does not spell it', ['bad'], 'a b c d', null],
    ['unusable entries skipped', ['***', '  '], 'anything ***', null],
  ])('%s', (_name, list, text, want) => {
    expect(findBlockedWord(compileBlockedWords(list), text)).toBe(want)
  })

  it('reports entries it cannot use', () => {
    expect(invalidEntries(['ok', '', '!!!', 'a*b', '*two words', 'fine*']).map((e) => e.entry)).toEqual(['', '!!!', 'a*b', '*two words'])
    expect(parseEntry(' Two  Words ')).toMatchObject({ ok: true, kind: 'phrase', words: ['two', 'words'] })
  })
})

const letters = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 1, maxLength: 8 })
const separators = fc.string({ unit: fc.constantFrom(' ', ',', '.', '!', '?', '-', '\n'), minLength: 1, maxLength: 3 })
const sentence = fc.array(fc.tuple(letters, separators), { maxLength: 8 }).map((parts) => parts.map(([w, s]) => w + s).join(''))

// Ways of writing the same letters that the filter must see through.
const ACCENTED: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', c: 'ç', n: 'ñ' }
const disguise = (text: string, mode: number): string =>
  [...text]
    .map((ch, i) => {
      const m = (mode + i) % 4
      if (m === 0) return ch.toUpperCase()
      if (m === 1) return ACCENTED[ch] ?? ch
      if (m === 2 && ch >= 'a' && ch <= 'z') return String.fromCharCode(ch.charCodeAt(0) - 0x61 + 0xff41)
      return ch
    })
    .join('')

describe('findBlockedWord (properties)', () => {
  it('case, accents and full width never change the outcome', () => {
    fc.assert(
      fc.property(fc.array(letters, { minLength: 1, maxLength: 5 }), sentence, fc.nat(3), (list, text, mode) => {
        const f = compileBlockedWords(list)
        expect(findBlockedWord(f, disguise(text, mode)) === null).toBe(findBlockedWord(f, text) === null)
      }),
    )
  })

  it('a blocked word standing between separators is always found, however it is written', () => {
    fc.assert(
      fc.property(letters, sentence, sentence, fc.nat(3), (word, before, after, mode) => {
        const f = compileBlockedWords([word])
        expect(findBlockedWord(f, `${before} ${disguise(word, mode)} ${after}`)).toBe(word)
      }),
    )
  })

  it('a plain entry never matches inside a longer word', () => {
    fc.assert(
      fc.property(letters, letters, letters, fc.boolean(), (word, pre, post, both) => {
        const longer = both ? pre + word + post : pre + word
        const f = compileBlockedWords([word])
        expect(findBlockedWord(f, `see ${longer} here`)).toBe(longer === word || ['see', 'here'].includes(word) ? word : null)
      }),
    )
  })

  it('an infix entry matches exactly when the letters occur inside some word or spelled-out run', () => {
    fc.assert(
      fc.property(letters, sentence, (word, text) => {
        const f = compileBlockedWords([`*${word}*`])
        // An independent reading of spelled-out runs for this ASCII alphabet.
        const runs = [...text.matchAll(/(?<![a-z])[a-z](?![a-z])(?:[^a-z][a-z](?![a-z]))+/g)].map((m) => m[0].replace(/[^a-z]/g, ''))
        const expected = wordsOf(text).some((w) => w.includes(word)) || runs.some((r) => r.includes(word))
        expect(findBlockedWord(f, text) !== null).toBe(expected)
      }),
    )
  })

  it('Cyrillic and Greek look-alikes of Latin letters never change the outcome', () => {
    const lookAlike = new Map<string, string>()
    for (const [from, to] of Object.entries(CONFUSABLES)) if (!lookAlike.has(to)) lookAlike.set(to, from)
    fc.assert(
      fc.property(fc.array(letters, { minLength: 1, maxLength: 5 }), sentence, fc.nat(2), (list, text, every) => {
        const f = compileBlockedWords(list)
        const swapped = [...text].map((ch, i) => (i % (every + 1) === 0 ? (lookAlike.get(ch) ?? ch) : ch)).join('')
        expect(findBlockedWord(f, swapped)).toBe(findBlockedWord(f, text))
      }),
    )
  })

  it('a blocked word spelled out with one separator between its letters is always found', () => {
    fc.assert(
      fc.property(letters, fc.constantFrom(' ', '.', '-', '_', ',', '*'), fc.nat(3), (word, sep, mode) => {
        const f = compileBlockedWords([word])
        expect(findBlockedWord(f, `hey ${[...disguise(word, mode)].join(sep)} there`)).toBe(word)
      }),
    )
  })

  it('spelled runs: only one-character words one separator apart', () => {
    expect(spelledRuns(normaliseForMatch('a b.c  d e xy f-g'))).toEqual(['abc', 'de', 'fg'])
  })

  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        expect(normaliseForMatch(normaliseForMatch(s))).toBe(normaliseForMatch(s))
      }),
    )
  })
})
