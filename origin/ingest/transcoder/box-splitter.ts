/**
 * Incremental splitter for one fMP4 byte stream from ffmpeg: yields the init section (every box
 * before the first `moof`, normally `ftyp` + `moov`) once, then each `moof` + `mdat` pair. Pure.
 */

/** What the splitter produced from some bytes. */
export type SplitEvent = { kind: 'init'; bytes: Uint8Array } | { kind: 'fragment'; bytes: Uint8Array }

/** Why the stream cannot be split further. */
export type SplitErrorCode = 'BAD_BOX_SIZE' | 'BOX_TOO_LARGE' | 'MDAT_WITHOUT_MOOF'

/** Result of {@link BoxSplitter.push}. */
export interface SplitResult {
  events: SplitEvent[]
  error?: SplitErrorCode
}

/** Top-level ISO-BMFF box splitter with a size limit per box. */
export class BoxSplitter {
  private buf: Uint8Array = new Uint8Array(0)
  private initParts: Uint8Array[] = []
  private initDone = false
  private moof: Uint8Array | undefined
  private failed: SplitErrorCode | undefined

  constructor(private readonly maxBoxBytes = 16 << 20) {}

  /** Feeds bytes; returns completed init/fragment events. */
  push(data: Uint8Array): SplitResult {
    if (this.failed !== undefined) return { events: [], error: this.failed }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data])
    const events: SplitEvent[] = []
    let pos = 0
    for (;;) {
      if (this.buf.length - pos < 8) break
      const dv = new DataView(this.buf.buffer, this.buf.byteOffset + pos, 8)
      let size = dv.getUint32(0)
      const type = String.fromCharCode(...this.buf.subarray(pos + 4, pos + 8))
      let header = 8
      if (size === 1) {
        if (this.buf.length - pos < 16) break
        const big = new DataView(this.buf.buffer, this.buf.byteOffset + pos + 8, 8).getBigUint64(0)
        if (big > BigInt(this.maxBoxBytes)) return this.fail(events, 'BOX_TOO_LARGE')
        size = Number(big)
        header = 16
      }
      if (size < header) return this.fail(events, 'BAD_BOX_SIZE')
      if (size > this.maxBoxBytes) return this.fail(events, 'BOX_TOO_LARGE')
      if (this.buf.length - pos < size) break
      const box = Uint8Array.from(this.buf.subarray(pos, pos + size))
      pos += size
      const err = this.onBox(type, box, events)
      if (err !== undefined) return this.fail(events, err)
    }
    this.buf = pos === this.buf.length ? new Uint8Array(0) : this.buf.subarray(pos)
    return { events }
  }

  private fail(events: SplitEvent[], code: SplitErrorCode): SplitResult {
    this.failed = code
    this.buf = new Uint8Array(0)
    return { events, error: code }
  }

  private onBox(type: string, box: Uint8Array, events: SplitEvent[]): SplitErrorCode | undefined {
    if (type === 'moof') {
      if (!this.initDone) {
        this.initDone = true
        events.push({ kind: 'init', bytes: Uint8Array.from(Buffer.concat(this.initParts)) })
        this.initParts = []
      }
      this.moof = box
      return undefined
    }
    if (type === 'mdat') {
      if (this.moof === undefined) return this.initDone ? 'MDAT_WITHOUT_MOOF' : undefined
      events.push({ kind: 'fragment', bytes: Uint8Array.from(Buffer.concat([this.moof, box])) })
      this.moof = undefined
      return undefined
    }
    // Before the first moof everything except padding belongs to the init section.
    if (!this.initDone && type !== 'free' && type !== 'skip') this.initParts.push(box)
    return undefined
  }
}
