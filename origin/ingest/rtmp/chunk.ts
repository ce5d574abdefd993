/**
 * RTMP chunk stream: an incremental reader (bytes → whole messages) and a writer (message →
 * chunks). Pure, no I/O. Header compression follows ffmpeg's convention: a type-3 chunk that
 * starts a new message adds the raw timestamp field of the last type-0/1/2 header on that chunk
 * stream, and type-3 chunks repeat the extended timestamp when that header used one.
 */

/** One reassembled RTMP message. */
export interface RtmpMessage {
  csid: number
  type: number
  streamId: number
  /** Absolute timestamp in ms (32-bit, wraps). */
  timestamp: number
  payload: Uint8Array
}

/**
 * Why the chunk stream is unusable; the connection should close. `BUFFER_LIMIT`: incomplete messages
 * interleaved on several chunk streams would together hold more than `maxMessageBytes`.
 */
export type ChunkErrorCode = 'MESSAGE_TOO_LARGE' | 'BAD_CHUNK_SIZE' | 'NO_PREVIOUS_HEADER' | 'TOO_MANY_CHUNK_STREAMS' | 'BUFFER_LIMIT'

/**
 * Size limits enforced while reading. Between pushes a reader holds at most
 * {@link maxBufferedBytes} bytes: incomplete message bodies (all chunk streams together) up to
 * `maxMessageBytes`, plus one incomplete chunk.
 */
export interface ChunkLimits {
  /** Largest message body accepted, and the most bytes of incomplete messages held at once. */
  maxMessageBytes: number
  /** Largest chunk size a peer may announce with Set Chunk Size. */
  maxChunkSize: number
  /** Most distinct chunk stream ids tracked per connection. */
  maxChunkStreams: number
}

/** Defaults suited to 1080p publishers. */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxMessageBytes: 8 << 20, maxChunkSize: 1 << 20, maxChunkStreams: 64 }

/** Longest chunk header: 3-byte basic header, 11-byte message header, 4-byte extended timestamp. */
const MAX_CHUNK_HEADER = 18

/** The most bytes a reader with these limits holds between pushes. */
export function maxBufferedBytes(l: ChunkLimits): number {
  return l.maxMessageBytes + l.maxChunkSize + MAX_CHUNK_HEADER
}

interface StreamState {
  tsField: number
  timestamp: number
  length: number
  type: number
  streamId: number
  extended: boolean
  parts: Uint8Array[]
  received: number
}

/** Result of feeding bytes to a {@link ChunkReader}. */
export interface ChunkReadResult {
  messages: RtmpMessage[]
  error?: ChunkErrorCode
}

/** Incremental chunk stream parser for one direction of one connection. */
export class ChunkReader {
  private buf: Uint8Array = new Uint8Array(0)
  private chunkSize = 128
  private readonly streams = new Map<number, StreamState>()
  private failed: ChunkErrorCode | undefined
  /** Bytes of incomplete messages over all chunk streams. */
  private pending = 0

  constructor(private readonly limits: ChunkLimits = DEFAULT_CHUNK_LIMITS) {}

  /** Bytes held now: incomplete messages plus the unparsed tail (at most {@link maxBufferedBytes}). */
  get bufferedBytes(): number {
    return this.pending + this.buf.length
  }

  /** Current inbound chunk size (changed by the peer's Set Chunk Size). */
  get inChunkSize(): number {
    return this.chunkSize
  }

  /** Feeds bytes; returns every message completed by them. After an error the reader stays failed. */
  push(data: Uint8Array): ChunkReadResult {
    if (this.failed !== undefined) return { messages: [], error: this.failed }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data])
    const messages: RtmpMessage[] = []
    let pos = 0
    for (;;) {
      const r = this.readChunk(pos, messages)
      if (r === undefined) break
      if (typeof r === 'string') {
        this.failed = r
        this.buf = new Uint8Array(0)
        this.streams.clear()
        this.pending = 0
        return { messages, error: r }
      }
      pos = r
    }
    this.buf = pos === this.buf.length ? new Uint8Array(0) : this.buf.subarray(pos)
    return { messages }
  }

  /** Parses one chunk at `pos`; returns the next position, undefined when incomplete, or an error. */
  private readChunk(start: number, out: RtmpMessage[]): number | ChunkErrorCode | undefined {
    const b = this.buf
    let pos = start
    if (pos >= b.length) return undefined
    const b0 = b[pos++] as number
    const fmt = b0 >> 6
    let csid = b0 & 63
    if (csid === 0) {
      if (pos + 1 > b.length) return undefined
      csid = 64 + (b[pos++] as number)
    } else if (csid === 1) {
      if (pos + 2 > b.length) return undefined
      csid = 64 + (b[pos] as number) + (b[pos + 1] as number) * 256
      pos += 2
    }
    const headerLen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0
    if (pos + headerLen > b.length) return undefined
    let st = this.streams.get(csid)
    if (st === undefined) {
      if (fmt !== 0) return 'NO_PREVIOUS_HEADER'
      if (this.streams.size >= this.limits.maxChunkStreams) return 'TOO_MANY_CHUNK_STREAMS'
      st = { tsField: 0, timestamp: 0, length: 0, type: 0, streamId: 0, extended: false, parts: [], received: 0 }
    }
    const u24 = (p: number): number => ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number)
    let tsField = st.tsField
    let extended = st.extended
    let length = st.length
    let type = st.type
    let streamId = st.streamId
    if (fmt <= 2) {
      tsField = u24(pos)
      extended = tsField === 0xffffff
    }
    if (fmt <= 1) {
      length = u24(pos + 3)
      type = b[pos + 6] as number
    }
    if (fmt === 0) streamId = ((b[pos + 7] as number) | ((b[pos + 8] as number) << 8) | ((b[pos + 9] as number) << 16) | ((b[pos + 10] as number) << 24)) >>> 0
    pos += headerLen
    if (extended) {
      if (pos + 4 > b.length) return undefined
      const ext = (((b[pos] as number) << 24) | ((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number)) >>> 0
      if (fmt <= 2) tsField = ext
      pos += 4
    }
    const newMessage = st.received === 0
    if (length > this.limits.maxMessageBytes) return 'MESSAGE_TOO_LARGE'
    // A full header in the middle of a message restarts it (peer aborted implicitly).
    const restarts = !newMessage && fmt !== 3
    const already = restarts ? 0 : st.received
    const take = Math.min(this.chunkSize, length - already)
    if (pos + take > b.length) return undefined
    const held = this.pending - (restarts ? st.received : 0)
    if (already + take < length && held + take > this.limits.maxMessageBytes) return 'BUFFER_LIMIT'

    // Commit the header only now that the whole chunk is present.
    if (restarts) {
      this.pending -= st.received
      st.parts = []
      st.received = 0
    }
    if (fmt === 0) st.timestamp = tsField
    else if (st.received === 0) st.timestamp = (st.timestamp + tsField) >>> 0
    st.tsField = tsField
    st.extended = extended
    st.length = length
    st.type = type
    st.streamId = streamId
    this.streams.set(csid, st)

    const body = Math.min(this.chunkSize, st.length - st.received)
    st.parts.push(b.subarray(pos, pos + body))
    st.received += body
    this.pending += body
    pos += body
    if (st.received >= st.length) {
      this.pending -= st.received
      const payload = st.parts.length === 1 ? Uint8Array.from(st.parts[0] as Uint8Array) : Uint8Array.from(Buffer.concat(st.parts))
      st.parts = []
      st.received = 0
      const msg: RtmpMessage = { csid, type: st.type, streamId: st.streamId, timestamp: st.timestamp, payload }
      const err = this.control(msg)
      if (err !== undefined) return err
      out.push(msg)
    }
    return pos
  }

  /** Chunk-layer control messages take effect immediately, before the next chunk is parsed. */
  private control(msg: RtmpMessage): ChunkErrorCode | undefined {
    if (msg.type === 1 && msg.payload.length >= 4) {
      const size = new DataView(msg.payload.buffer, msg.payload.byteOffset, 4).getUint32(0) & 0x7fffffff
      if (size < 1 || size > this.limits.maxChunkSize) return 'BAD_CHUNK_SIZE'
      this.chunkSize = size
    } else if (msg.type === 2 && msg.payload.length >= 4) {
      const csid = new DataView(msg.payload.buffer, msg.payload.byteOffset, 4).getUint32(0)
      const st = this.streams.get(csid)
      if (st !== undefined) {
        this.pending -= st.received
        st.parts = []
        st.received = 0
      }
    }
    return undefined
  }
}

interface WriteState {
  tsField: number
  timestamp: number
  length: number
  type: number
  streamId: number
}

function basicHeader(fmt: number, csid: number): number[] {
  if (csid < 64) return [(fmt << 6) | csid]
  if (csid < 320) return [fmt << 6, csid - 64]
  return [(fmt << 6) | 1, (csid - 64) & 255, (csid - 64) >> 8]
}

/** Splits messages into chunks, compressing headers per chunk stream like ffmpeg does. */
export class ChunkWriter {
  private readonly last = new Map<number, WriteState>()
  /** Outbound chunk size; announce changes to the peer with Set Chunk Size first. */
  chunkSize = 128

  /** Encodes one message (csid 2..65599). */
  write(msg: RtmpMessage): Uint8Array {
    const prev = this.last.get(msg.csid)
    let fmt = 0
    let tsField = msg.timestamp
    if (prev !== undefined && prev.streamId === msg.streamId && msg.timestamp >= prev.timestamp) {
      tsField = msg.timestamp - prev.timestamp
      fmt = 1
      if (prev.type === msg.type && prev.length === msg.payload.length) fmt = tsField === prev.tsField ? 3 : 2
    }
    this.last.set(msg.csid, { tsField, timestamp: msg.timestamp, length: msg.payload.length, type: msg.type, streamId: msg.streamId })
    const extended = tsField >= 0xffffff
    const field = extended ? 0xffffff : tsField
    const ext = [(tsField >>> 24) & 255, (tsField >>> 16) & 255, (tsField >>> 8) & 255, tsField & 255]
    const out: number[] = basicHeader(fmt, msg.csid)
    if (fmt <= 2) out.push((field >> 16) & 255, (field >> 8) & 255, field & 255)
    if (fmt <= 1) out.push((msg.payload.length >> 16) & 255, (msg.payload.length >> 8) & 255, msg.payload.length & 255, msg.type)
    if (fmt === 0) out.push(msg.streamId & 255, (msg.streamId >>> 8) & 255, (msg.streamId >>> 16) & 255, (msg.streamId >>> 24) & 255)
    const cont = basicHeader(3, msg.csid)
    // With an extended timestamp in effect every chunk (fmt 3 included) carries it.
    const prevExtended = prev !== undefined && prev.tsField >= 0xffffff
    if (extended || (fmt === 3 && prevExtended)) out.push(...ext)
    const parts: Uint8Array[] = [Uint8Array.from(out)]
    for (let off = 0; off < msg.payload.length || off === 0; off += this.chunkSize) {
      if (off > 0) parts.push(Uint8Array.from(extended || (fmt === 3 && prevExtended) ? [...cont, ...ext] : cont))
      parts.push(msg.payload.subarray(off, off + this.chunkSize))
      if (msg.payload.length === 0) break
    }
    return Uint8Array.from(Buffer.concat(parts))
  }
}
