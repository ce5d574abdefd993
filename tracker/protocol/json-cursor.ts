/**
 * A forward-only JSON cursor over UTF-8 bytes, for parsers that know the shape they expect.
 *
 * Nothing is decoded unless asked: a string is reported as the byte span of its quoted token, so
 * an 11 KB announce costs one native `indexOf` per SDP and a short JS loop per id, with no
 * intermediate objects, keys or Maps. Unknown members are skipped with full JSON validation.
 */
import { Buffer } from 'node:buffer'

// Node's Buffer has these fast slicers at runtime; its typings omit them.
declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string
    utf8Slice(start: number, end: number): string
    utf8Write(s: string, offset: number): number
  }
}

/** Why bytes were not accepted as JSON. */
export type CursorErrorCode = 'NOT_JSON' | 'NOT_UTF8' | 'TOO_COMPLEX'

/** Thrown (as a shared instance) by the cursor; parsers catch it and return the code. */
export class CursorError {
  constructor(readonly code: CursorErrorCode) {}
}
/** Malformed JSON. */
export const NOT_JSON = new CursorError('NOT_JSON')
/** Too deep, too many members, or a number too long. */
export const TOO_COMPLEX = new CursorError('TOO_COMPLEX')

/** Deepest nesting {@link JsonCursor.skipValue} accepts; the protocol needs 4. */
export const MAX_DEPTH = 6
/** Most members one object or array may have. */
export const MAX_ITEMS = 64
/**
 * Strings up to this many bytes are checked byte by byte (escapes, control characters); longer
 * ones (SDP) only have their end found. A malformed escape inside an SDP could only make the one
 * client receiving it drop that frame, so no pass over every SDP byte is spent on it.
 */
export const CHECKED_STRING_MAX_BYTES = 160

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Value kinds, as {@link JsonCursor.kind} reports them before a value is read. */
export const KIND = { string: 1, object: 2, array: 3, number: 4, true: 5, false: 6, null: 7 } as const

function hex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** The cursor. Methods throw {@link CursorError}; positions are byte offsets into `buf`. */
export class JsonCursor {
  pos = 0
  /** Span of the last string token read, quotes included. */
  tokStart = 0
  tokEnd = 0
  /** Whether that token was checked and holds only printable ASCII without escapes. */
  tokPlain = false
  /** Its length in UTF-16 code units, or -1 when it was too long to be checked. */
  tokUnits = -1

  constructor(readonly buf: Buffer) {}

  /** Skips whitespace and returns the next byte (undefined at the end). */
  peek(): number | undefined {
    const b = this.buf
    let p = this.pos
    let c = b[p]
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]
    this.pos = p
    return c
  }

  /** Skips whitespace, then requires byte `c`. */
  expect(c: number): void {
    if (this.peek() !== c) throw NOT_JSON
    this.pos++
  }

  /** Skips whitespace, then consumes `c` if it is next. */
  eat(c: number): boolean {
    if (this.peek() !== c) return false
    this.pos++
    return true
  }

  /** The kind of the next value (after whitespace). */
  kind(): number {
    const c = this.peek()
    if (c === QUOTE) return KIND.string
    if (c === 0x7b) return KIND.object
    if (c === 0x5b) return KIND.array
    if (c === 0x74) return KIND.true
    if (c === 0x66) return KIND.false
    if (c === 0x6e) return KIND.null
    return KIND.number
  }

  /** Reads the string token at the cursor into `tokStart`/`tokEnd`/`tokPlain`/`tokUnits`. */
  string(): void {
    const b = this.buf
    const start = this.pos
    if (b[start] !== QUOTE) throw NOT_JSON
    // The first quote is usually the end; a native search finds an SDP's end without a JS loop
    // over its first bytes.
    const q = b.indexOf(QUOTE, start + 1)
    if (q < 0) throw NOT_JSON
    if (q - start - 1 > CHECKED_STRING_MAX_BYTES && b[q - 1] !== BACKSLASH) {
      this.tokStart = start
      this.tokEnd = this.pos = q + 1
      this.tokUnits = -1
      this.tokPlain = false
      return
    }
    const limit = Math.min(b.length, start + 1 + CHECKED_STRING_MAX_BYTES)
    let plain = true
    let units = 0
    let i = start + 1
    for (; i < limit; i++) {
      const c = b[i] as number
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        plain = false
        const e = b[i + 1]
        if (e === 0x75) {
          if (!hex(b[i + 2] ?? 0) || !hex(b[i + 3] ?? 0) || !hex(b[i + 4] ?? 0) || !hex(b[i + 5] ?? 0)) throw NOT_JSON
          i += 5
        } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i++
        else throw NOT_JSON
        units++
      } else if (c < 0x20) throw NOT_JSON
      else if (c < 0x80) units++
      else {
        plain = false
        // Valid UTF-8 (checked once per frame): count lead bytes only.
        if (c >= 0xf0) units += 2
        else if (c >= 0xc0) units++
      }
    }
    if (i < limit) {
      this.tokUnits = units
      this.tokPlain = plain
      this.pos = i + 1
    } else {
      i = this.longStringEnd(i)
      this.tokUnits = -1
      this.tokPlain = false
      this.pos = i + 1
    }
    this.tokStart = start
    this.tokEnd = this.pos
  }

  /** The closing quote of a long string, searching from `from`. */
  private longStringEnd(from: number): number {
    const b = this.buf
    for (;;) {
      const q = b.indexOf(QUOTE, from)
      if (q < 0) throw NOT_JSON
      let j = q - 1
      while (b[j] === BACKSLASH) j--
      if ((q - 1 - j) % 2 === 0) return q
      from = q + 1
    }
  }

  /** Decodes the last string token (any length). */
  decodeToken(): string {
    return this.decodeAt(this.tokStart, this.tokEnd, this.tokPlain)
  }

  /** Decodes the string token at `[start, end)` (quotes included); `plain` as in {@link tokPlain}. */
  decodeAt(start: number, end: number, plain: boolean): string {
    const b = this.buf
    if (plain) return b.latin1Slice(start + 1, end - 1)
    try {
      // The native parser decodes escapes and UTF-8.
      return JSON.parse(b.utf8Slice(start, end)) as string
    } catch {
      throw NOT_JSON
    }
  }

  /** Whether the last string token equals `ascii`, which must be plain ASCII. */
  tokenIs(ascii: Uint8Array): boolean {
    return this.tokPlain && this.tokenIsAt(this.tokStart, this.tokEnd, ascii)
  }

  /** Whether the plain token at `[start, end)` (quotes included) equals `ascii`. */
  tokenIsAt(start: number, end: number, ascii: Uint8Array): boolean {
    if (end - start - 2 !== ascii.length) return false
    const b = this.buf
    for (let i = 0; i < ascii.length; i++) if (b[start + 1 + i] !== ascii[i]) return false
    return true
  }

  /** Reads a number. */
  number(): number {
    const b = this.buf
    const start = this.pos
    let p = start
    if (b[p] === 0x2d) p++
    const intStart = p
    let v = 0
    let c = b[p] ?? 0
    while (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30)
      c = b[++p] ?? 0
    }
    if (p === intStart || (b[intStart] === 0x30 && p - intStart > 1)) throw NOT_JSON
    let simple = true
    if (c === 0x2e) {
      simple = false
      const f = ++p
      while ((b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++
      if (p === f) throw NOT_JSON
      c = b[p] ?? 0
    }
    if (c === 0x65 || c === 0x45) {
      simple = false
      p++
      if (b[p] === 0x2b || b[p] === 0x2d) p++
      const e = p
      while ((b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++
      if (p === e) throw NOT_JSON
    }
    if (p - start > 32) throw TOO_COMPLEX
    this.pos = p
    if (simple && p - intStart <= 15) return b[start] === 0x2d ? -v : v
    return Number(b.latin1Slice(start, p))
  }

  /** Consumes the literal `true`, `false` or `null` at the cursor. */
  literal(): void {
    const b = this.buf
    const p = this.pos
    const c = b[p]
    if (c === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) this.pos = p + 4
    else if (c === 0x66 && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65) this.pos = p + 5
    else if (c === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) this.pos = p + 4
    else throw NOT_JSON
  }

  /**
   * Steps to the next member of an object whose `{` was consumed, `n` members having been read:
   * false at the closing brace, otherwise true with the member's key read (it is the last token)
   * and its colon consumed. A member past {@link MAX_ITEMS} throws.
   */
  member(n: number): boolean {
    if (!this.more(n, 0x7d)) return false
    this.key()
    return true
  }

  /** Steps to the next item of an array whose `[` was consumed; false at the closing bracket. */
  item(n: number): boolean {
    return this.more(n, 0x5d)
  }

  private more(n: number, close: number): boolean {
    if (n === 0) {
      if (this.eat(close)) return false
    } else {
      const c = this.peek()
      this.pos++
      if (c === close) return false
      if (c !== 0x2c) throw NOT_JSON
    }
    if (n >= MAX_ITEMS) throw TOO_COMPLEX
    return true
  }

  /** Reads an object key and the colon after it; the key is the last token. */
  key(): void {
    if (this.peek() !== QUOTE) throw NOT_JSON
    this.string()
    this.expect(0x3a)
  }

  /** Skips one value of any kind, validating it; `depth` is the nesting it sits at. */
  skipValue(depth: number): void {
    const k = this.kind()
    if (k === KIND.string) this.string()
    else if (k === KIND.number) this.number()
    else if (k === KIND.object || k === KIND.array) {
      if (depth >= MAX_DEPTH) throw TOO_COMPLEX
      this.pos++
      if (k === KIND.object) for (let n = 0; this.member(n); n++) this.skipValue(depth + 1)
      else for (let n = 0; this.item(n); n++) this.skipValue(depth + 1)
    } else this.literal()
  }

  /** Requires that only whitespace remains. */
  end(): void {
    if (this.peek() !== undefined) throw NOT_JSON
  }
}

/** Wraps bytes in a Buffer view without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** ASCII bytes of a key or keyword, for {@link JsonCursor.tokenIs}. */
export function ascii(s: string): Uint8Array {
  return Buffer.from(s, 'latin1')
}
