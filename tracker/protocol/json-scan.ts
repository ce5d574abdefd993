/**
 * A bounded JSON reader over UTF-8 bytes that decodes only what the tracker needs.
 *
 * Short strings (ids, actions) are decoded to JS strings; long strings (SDP) are left as byte spans,
 * so an 11 KB announce costs a few native `indexOf` calls instead of decoding and re-encoding the
 * SDP. Objects and arrays record their byte span, so an offer can be relayed byte for byte.
 */
import { Buffer, isUtf8 } from 'node:buffer'

// Node's Buffer has these fast slicers at runtime; its typings omit them.
declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string
    utf8Slice(start: number, end: number): string
  }
}

/** A JSON object with the byte span `[start, end)` it occupies in the input. */
export class JObject {
  constructor(
    readonly fields: Map<string, JValue>,
    readonly start: number,
    readonly end: number,
  ) {}
}

/** A JSON array with its byte span. */
export class JArray {
  constructor(
    readonly items: JValue[],
    readonly start: number,
    readonly end: number,
  ) {}
}

/** A string longer than {@link SHORT_STRING_MAX_BYTES}, kept as the span of its quoted token. */
export class JLongString {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

/** Any value the scanner produces. */
export type JValue = null | boolean | number | string | JObject | JArray | JLongString

/** Why bytes were not accepted. */
export type ScanErrorCode = 'NOT_JSON' | 'NOT_UTF8' | 'TOO_COMPLEX'

/** Result of {@link scanJson}. */
export type ScanResult = { ok: true; value: JValue } | { ok: false; code: ScanErrorCode }

/** Strings up to this many bytes (quotes excluded) are decoded; longer ones stay spans. */
export const SHORT_STRING_MAX_BYTES = 160
/** Deepest nesting accepted; the protocol needs 4. */
export const MAX_DEPTH = 6
/** Most members in one object or array. */
export const MAX_ITEMS = 64

class ScanError {
  constructor(readonly code: ScanErrorCode) {}
}
const NOT_JSON = new ScanError('NOT_JSON')
const TOO_COMPLEX = new ScanError('TOO_COMPLEX')

const QUOTE = 0x22
const BACKSLASH = 0x5c

class Scanner {
  pos = 0
  constructor(readonly buf: Buffer) {}

  ws(): void {
    const b = this.buf
    let p = this.pos
    for (;;) {
      const c = b[p]
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++
      else break
    }
    this.pos = p
  }

  value(depth: number): JValue {
    this.ws()
    const c = this.buf[this.pos]
    if (c === QUOTE) return this.string()
    if (c === 0x7b) return this.object(depth + 1)
    if (c === 0x5b) return this.array(depth + 1)
    if (c === 0x74) return this.literal('true', true)
    if (c === 0x66) return this.literal('false', false)
    if (c === 0x6e) return this.literal('null', null)
    return this.number()
  }

  literal<T>(word: string, v: T): T {
    const b = this.buf
    for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word.charCodeAt(i)) throw NOT_JSON
    this.pos += word.length
    return v
  }

  number(): number {
    const b = this.buf
    const start = this.pos
    let p = start
    if (b[p] === 0x2d) p++
    const intStart = p
    while ((b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++
    if (p === intStart || (b[intStart] === 0x30 && p - intStart > 1)) throw NOT_JSON
    if (b[p] === 0x2e) {
      const f = ++p
      while ((b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++
      if (p === f) throw NOT_JSON
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++
      if (b[p] === 0x2b || b[p] === 0x2d) p++
      const e = p
      while ((b[p] ?? 0) >= 0x30 && (b[p] ?? 0) <= 0x39) p++
      if (p === e) throw NOT_JSON
    }
    if (p - start > 32) throw TOO_COMPLEX
    this.pos = p
    return Number(b.latin1Slice(start, p))
  }

  /** Finds the closing quote of the string token opening at `this.pos`. */
  stringEnd(): number {
    const b = this.buf
    let from = this.pos + 1
    for (;;) {
      const q = b.indexOf(QUOTE, from)
      if (q < 0) throw NOT_JSON
      let j = q - 1
      while (j > this.pos && b[j] === BACKSLASH) j--
      if ((q - 1 - j) % 2 === 0) return q
      from = q + 1
    }
  }

  string(): string | JLongString {
    const b = this.buf
    const start = this.pos
    // Ids and keys are short: a JS loop finds their end cheaper than a native indexOf call.
    const limit = Math.min(b.length, start + 1 + SHORT_STRING_MAX_BYTES)
    let plain = true
    let end = -1
    for (let i = start + 1; i < limit; i++) {
      const c = b[i] ?? 0
      if (c === QUOTE) {
        end = i
        break
      }
      if (c === BACKSLASH) {
        plain = false
        i++
      } else if (c < 0x20 || c >= 0x80) plain = false
    }
    if (end < 0) end = this.stringEnd()
    this.pos = end + 1
    if (end - start - 1 <= SHORT_STRING_MAX_BYTES) {
      if (plain) return b.latin1Slice(start + 1, end)
      try {
        // The native parser decodes escapes and UTF-8 and rejects raw control characters.
        return JSON.parse(b.utf8Slice(start, end + 1)) as string
      } catch {
        throw NOT_JSON
      }
    }
    // Long strings (SDP) are relayed, not decoded. Their token boundaries are exact (escaped
    // quotes are accounted for above); a malformed escape inside one would only make the single
    // receiving client drop that one frame, so no per-byte pass is spent on them.
    return new JLongString(start, end + 1)
  }

  object(depth: number): JObject {
    if (depth > MAX_DEPTH) throw TOO_COMPLEX
    const b = this.buf
    const start = this.pos++
    const fields = new Map<string, JValue>()
    this.ws()
    if (b[this.pos] === 0x7d) {
      this.pos++
      return new JObject(fields, start, this.pos)
    }
    for (;;) {
      this.ws()
      if (b[this.pos] !== QUOTE) throw NOT_JSON
      const key = this.string()
      if (typeof key !== 'string') throw TOO_COMPLEX
      this.ws()
      if (b[this.pos++] !== 0x3a) throw NOT_JSON
      fields.set(key, this.value(depth))
      if (fields.size > MAX_ITEMS) throw TOO_COMPLEX
      this.ws()
      const c = b[this.pos++]
      if (c === 0x7d) return new JObject(fields, start, this.pos)
      if (c !== 0x2c) throw NOT_JSON
    }
  }

  array(depth: number): JArray {
    if (depth > MAX_DEPTH) throw TOO_COMPLEX
    const b = this.buf
    const start = this.pos++
    const items: JValue[] = []
    this.ws()
    if (b[this.pos] === 0x5d) {
      this.pos++
      return new JArray(items, start, this.pos)
    }
    for (;;) {
      items.push(this.value(depth))
      if (items.length > MAX_ITEMS) throw TOO_COMPLEX
      this.ws()
      const c = b[this.pos++]
      if (c === 0x5d) return new JArray(items, start, this.pos)
      if (c !== 0x2c) throw NOT_JSON
    }
  }
}

/** Wraps bytes in a Buffer view without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Reads one JSON document from UTF-8 bytes. Spans in the result index into `bytes`.
 * Inside long strings, raw control characters and malformed escapes are not looked for (that
 * would cost a pass over every SDP byte); everything else invalid in JSON is rejected.
 */
export function scanJson(bytes: Uint8Array): ScanResult {
  const buf = asBuffer(bytes)
  if (!isUtf8(buf)) return { ok: false, code: 'NOT_UTF8' }
  const s = new Scanner(buf)
  try {
    const value = s.value(0)
    s.ws()
    if (s.pos !== buf.length) return { ok: false, code: 'NOT_JSON' }
    return { ok: true, value }
  } catch (err) {
    if (err instanceof ScanError) return { ok: false, code: err.code }
    throw err
  }
}
