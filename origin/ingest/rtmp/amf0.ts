/**
 * AMF0 encoder/decoder (the subset RTMP commands and `onMetaData` use). Pure, no I/O.
 * Objects and ECMA arrays decode to null-prototype records so a hostile key such as `__proto__`
 * stays plain data.
 */

/** A decoded AMF0 value. */
export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject
/** An AMF0 object (type 3) or ECMA array (type 8). */
export interface AmfObject {
  [key: string]: AmfValue
}

/** Why decoding failed; errors are data, never thrown past {@link decodeAmf0}. */
export type AmfErrorCode = 'TRUNCATED' | 'UNSUPPORTED_TYPE' | 'TOO_DEEP' | 'TOO_MANY_ITEMS'

/** Result of decoding a whole AMF0 buffer. */
export type AmfDecodeResult = { ok: true; values: AmfValue[] } | { ok: false; code: AmfErrorCode }

const MAX_DEPTH = 16
const MAX_ITEMS = 4096

class AmfError extends Error {
  constructor(readonly code: AmfErrorCode) {
    super(code)
  }
}

class Reader {
  pos = 0
  items = 0
  constructor(private readonly buf: Uint8Array, private readonly view: DataView) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new AmfError('TRUNCATED')
  }
  u8(): number {
    this.need(1)
    return this.buf[this.pos++] as number
  }
  u16(): number {
    this.need(2)
    const v = this.view.getUint16(this.pos)
    this.pos += 2
    return v
  }
  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }
  f64(): number {
    this.need(8)
    const v = this.view.getFloat64(this.pos)
    this.pos += 8
    return v
  }
  str(len: number): string {
    this.need(len)
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, len).toString('utf8')
    this.pos += len
    return s
  }
  count(): void {
    if (++this.items > MAX_ITEMS) throw new AmfError('TOO_MANY_ITEMS')
  }
}

function readProps(r: Reader, depth: number, out: AmfObject): AmfObject {
  for (;;) {
    const keyLen = r.u16()
    if (keyLen === 0) {
      const marker = r.u8()
      if (marker === 9) return out
      // A zero-length key followed by a value is legal (rare); read the value under "".
      r.pos--
    }
    const key = r.str(keyLen)
    r.count()
    out[key] = readValue(r, depth + 1)
  }
}

function readValue(r: Reader, depth: number): AmfValue {
  if (depth > MAX_DEPTH) throw new AmfError('TOO_DEEP')
  const type = r.u8()
  switch (type) {
    case 0:
      return r.f64()
    case 1:
      return r.u8() !== 0
    case 2:
      return r.str(r.u16())
    case 3:
      return readProps(r, depth, Object.create(null) as AmfObject)
    case 5:
      return null
    case 6:
      return undefined
    case 8:
      r.u32() // The count is advisory; the end marker terminates.
      return readProps(r, depth, Object.create(null) as AmfObject)
    case 10: {
      const n = r.u32()
      if (n > MAX_ITEMS) throw new AmfError('TOO_MANY_ITEMS')
      const arr: AmfValue[] = []
      for (let i = 0; i < n; i++) {
        r.count()
        arr.push(readValue(r, depth + 1))
      }
      return arr
    }
    case 11: {
      const ms = r.f64()
      r.u16() // Time zone, unused by spec.
      return new Date(ms)
    }
    case 12:
      return r.str(r.u32())
    default:
      throw new AmfError('UNSUPPORTED_TYPE')
  }
}

/** Decodes every AMF0 value in `buf` (an RTMP command or data message body). */
export function decodeAmf0(buf: Uint8Array): AmfDecodeResult {
  const r = new Reader(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength))
  const values: AmfValue[] = []
  try {
    while (r.pos < buf.length) {
      r.count()
      values.push(readValue(r, 0))
    }
  } catch (err) {
    if (err instanceof AmfError) return { ok: false, code: err.code }
    throw err
  }
  return { ok: true, values }
}

function pushString(out: number[], s: string, long: boolean): void {
  const bytes = Buffer.from(s, 'utf8')
  if (long) out.push((bytes.length >>> 24) & 255, (bytes.length >>> 16) & 255)
  out.push((bytes.length >>> 8) & 255, bytes.length & 255)
  for (const b of bytes) out.push(b)
}

function pushF64(out: number[], v: number): void {
  const b = Buffer.alloc(8)
  b.writeDoubleBE(v)
  for (const x of b) out.push(x)
}

function writeValue(out: number[], v: AmfValue): void {
  if (typeof v === 'number') {
    out.push(0)
    pushF64(out, v)
  } else if (typeof v === 'boolean') {
    out.push(1, v ? 1 : 0)
  } else if (typeof v === 'string') {
    const long = Buffer.byteLength(v, 'utf8') > 0xffff
    out.push(long ? 12 : 2)
    pushString(out, v, long)
  } else if (v === null) {
    out.push(5)
  } else if (v === undefined) {
    out.push(6)
  } else if (v instanceof Date) {
    out.push(11)
    pushF64(out, v.getTime())
    out.push(0, 0)
  } else if (Array.isArray(v)) {
    out.push(10, (v.length >>> 24) & 255, (v.length >>> 16) & 255, (v.length >>> 8) & 255, v.length & 255)
    for (const x of v) writeValue(out, x)
  } else {
    out.push(3)
    for (const [k, x] of Object.entries(v)) {
      pushString(out, k, false)
      writeValue(out, x)
    }
    out.push(0, 0, 9)
  }
}

/** Encodes values back to back, as RTMP command and data messages carry them. */
export function encodeAmf0(...values: AmfValue[]): Uint8Array {
  const out: number[] = []
  for (const v of values) writeValue(out, v)
  return Uint8Array.from(out)
}
