/**
 * One RTMP publisher connection as a pure state machine: bytes in, actions out. It performs the
 * simple handshake, answers connect/releaseStream/FCPublish/createStream/publish, asks for the
 * stream key to be authorized before accepting any media, and remuxes media into FLV.
 */
import { decodeAmf0, encodeAmf0, type AmfObject, type AmfValue } from './amf0.ts'
import { ChunkReader, ChunkWriter, DEFAULT_CHUNK_LIMITS, type ChunkLimits, type RtmpMessage } from './chunk.ts'
import { FLV_SCRIPT, flvHeader, flvTag, isAudioSequenceHeader, isKeyframe, isVideoSequenceHeader } from './flv.ts'

/** Why a session closed itself. */
export type RtmpCloseReason =
  | 'BAD_VERSION'
  | 'CHUNK_ERROR'
  | 'BAD_APP'
  | 'REFUSED'
  | 'UNPUBLISHED'
  | 'PRE_PUBLISH_LIMIT'
  | 'PROTOCOL'

/** What the adapter must do. */
export type RtmpAction =
  | { kind: 'send'; bytes: Uint8Array }
  | { kind: 'authorize'; streamKey: string }
  | { kind: 'publish-start'; streamKey: string }
  /** FLV bytes for the transcoder; the first one after publish-start begins with the FLV header. */
  | { kind: 'flv'; bytes: Uint8Array; keyframe: boolean }
  | { kind: 'close'; reason: RtmpCloseReason; detail?: string }

/** Session tunables. */
export interface RtmpSessionOptions {
  /** RTMP application name publishers must use. */
  app: string
  limits: ChunkLimits
  /** Bytes a connection may send before its publish is accepted. */
  prePublishBytes: number
  /** Outbound chunk size announced to the peer. */
  outChunkSize: number
  /** Random bytes for S1 (injected so tests are deterministic). */
  random: (n: number) => Uint8Array
}

const HANDSHAKE = 1536
const WINDOW = 5_000_000
const STREAM_ID = 1

type State = 'c0c1' | 'c2' | 'connect' | 'connected' | 'authorizing' | 'publishing' | 'closed'

/** Pure RTMP publisher session. */
export class RtmpSession {
  private state: State = 'c0c1'
  private hs: Uint8Array = new Uint8Array(0)
  private readonly reader: ChunkReader
  private readonly writer = new ChunkWriter()
  private received = 0
  private lastAck = 0
  private peerWindow = 0
  private pendingKey = ''
  private readonly opts: RtmpSessionOptions
  /** Cached metadata and sequence headers, replayed to a restarted transcoder. */
  private readonly headers = new Map<string, Uint8Array>()

  constructor(opts: Partial<RtmpSessionOptions> & Pick<RtmpSessionOptions, 'random'>) {
    this.opts = { app: 'live', limits: DEFAULT_CHUNK_LIMITS, prePublishBytes: 64 * 1024, outChunkSize: 4096, ...opts }
    this.reader = new ChunkReader(this.opts.limits)
  }

  /** True once publish was accepted and media flows. */
  get publishing(): boolean {
    return this.state === 'publishing'
  }

  /** FLV header + metadata + codec configuration seen so far, for a restarted transcoder. */
  replayHeader(): Uint8Array {
    return Uint8Array.from(Buffer.concat([flvHeader(), ...['meta', 'video', 'audio'].flatMap((k) => this.headers.get(k) ?? [])]))
  }

  /** Feeds bytes from the socket. */
  receive(data: Uint8Array): RtmpAction[] {
    if (this.state === 'closed') return []
    this.received += data.length
    if (this.state === 'c0c1' || this.state === 'c2') return this.handshake(data)
    if (this.state !== 'publishing' && this.received > this.opts.prePublishBytes) return this.close('PRE_PUBLISH_LIMIT')
    const out: RtmpAction[] = []
    const r = this.reader.push(data)
    for (const m of r.messages) {
      out.push(...this.onMessage(m))
      if (this.isClosed()) return out
    }
    if (r.error !== undefined) return [...out, ...this.close('CHUNK_ERROR', r.error)]
    if (this.peerWindow > 0 && this.received - this.lastAck >= this.peerWindow) {
      this.lastAck = this.received
      out.push(this.control(3, u32(this.received >>> 0)))
    }
    return out
  }

  /** The key store's answer for the pending publish. */
  authorized(ok: boolean, detail = 'refused'): RtmpAction[] {
    if (this.state !== 'authorizing') return []
    if (!ok) {
      const code = detail === 'ALREADY_LIVE' ? 'NetStream.Publish.BadName' : 'NetStream.Publish.Unauthorized'
      return [this.status('error', code, detail), ...this.close('REFUSED', detail)]
    }
    this.state = 'publishing'
    return [
      this.control(4, Uint8Array.from([0, 0, 0, 0, 0, STREAM_ID])),
      this.status('status', 'NetStream.Publish.Start', 'publishing'),
      { kind: 'publish-start', streamKey: this.pendingKey },
      { kind: 'flv', bytes: flvHeader(), keyframe: false },
    ]
  }

  private isClosed(): boolean {
    return (this.state as State) === 'closed'
  }

  private close(reason: RtmpCloseReason, detail?: string): RtmpAction[] {
    this.state = 'closed'
    return [detail === undefined ? { kind: 'close', reason } : { kind: 'close', reason, detail }]
  }

  private handshake(data: Uint8Array): RtmpAction[] {
    this.hs = Buffer.concat([this.hs, data])
    const out: RtmpAction[] = []
    if (this.state === 'c0c1') {
      if (this.hs.length < 1 + HANDSHAKE) return []
      if (this.hs[0] !== 3) return this.close('BAD_VERSION')
      const c1 = this.hs.subarray(1, 1 + HANDSHAKE)
      const s1 = new Uint8Array(HANDSHAKE)
      s1.set(this.opts.random(HANDSHAKE - 8), 8)
      // Simple handshake: zero version in S1, and S2 echoes C1.
      out.push({ kind: 'send', bytes: Uint8Array.from(Buffer.concat([Uint8Array.of(3), s1, c1])) })
      this.hs = this.hs.subarray(1 + HANDSHAKE)
      this.state = 'c2'
    }
    if (this.hs.length < HANDSHAKE) return out
    const rest = this.hs.subarray(HANDSHAKE)
    this.hs = new Uint8Array(0)
    this.state = 'connect'
    this.received = 0
    if (rest.length > 0) out.push(...this.receive(Uint8Array.from(rest)))
    return out
  }

  private send(msg: RtmpMessage): RtmpAction {
    return { kind: 'send', bytes: this.writer.write(msg) }
  }

  private control(type: number, payload: Uint8Array): RtmpAction {
    return this.send({ csid: 2, type, streamId: 0, timestamp: 0, payload })
  }

  private command(streamId: number, ...values: AmfValue[]): RtmpAction {
    return this.send({ csid: 3, type: 20, streamId, timestamp: 0, payload: encodeAmf0(...values) })
  }

  private status(level: string, code: string, description: string): RtmpAction {
    return this.command(STREAM_ID, 'onStatus', 0, null, obj({ level, code, description }))
  }

  private onMessage(m: RtmpMessage): RtmpAction[] {
    switch (m.type) {
      case 5:
        if (m.payload.length >= 4) this.peerWindow = Buffer.from(m.payload).readUInt32BE(0)
        return []
      case 20:
        return this.onCommand(m.payload)
      case 17:
        return m.payload.length > 0 ? this.onCommand(m.payload.subarray(1)) : []
      case 8:
      case 9:
      case 18:
        return this.state === 'publishing' ? this.onMedia(m) : []
      default:
        return []
    }
  }

  private onMedia(m: RtmpMessage): RtmpAction[] {
    let body = m.payload
    if (m.type === FLV_SCRIPT) {
      const d = decodeAmf0(body)
      if (!d.ok) return []
      const values = d.values[0] === '@setDataFrame' ? d.values.slice(1) : d.values
      if (values[0] !== 'onMetaData') return []
      body = encodeAmf0(...values)
    }
    const tag = flvTag(m.type, m.timestamp, body)
    if (m.type === FLV_SCRIPT) this.headers.set('meta', tag)
    else if (m.type === 9 && isVideoSequenceHeader(body)) this.headers.set('video', tag)
    else if (m.type === 8 && isAudioSequenceHeader(body)) this.headers.set('audio', tag)
    return [{ kind: 'flv', bytes: tag, keyframe: m.type === 9 && isKeyframe(body) }]
  }

  private onCommand(payload: Uint8Array): RtmpAction[] {
    const d = decodeAmf0(payload)
    if (!d.ok) return this.close('PROTOCOL', `amf ${d.code}`)
    const [name, txn, cmdObj, arg] = d.values
    const t = typeof txn === 'number' ? txn : 0
    switch (name) {
      case 'connect': {
        if (this.state !== 'connect') return this.close('PROTOCOL', 'connect twice')
        const app = isObj(cmdObj) && typeof cmdObj.app === 'string' ? cmdObj.app.split('?')[0]?.replace(/\/+$/, '') : undefined
        if (app !== this.opts.app) {
          return [
            this.command(0, '_error', t, null, obj({ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'unknown app' })),
            ...this.close('BAD_APP'),
          ]
        }
        this.state = 'connected'
        this.writer.chunkSize = this.opts.outChunkSize
        return [
          this.control(5, u32(WINDOW)),
          this.control(6, Uint8Array.from([...u32(WINDOW), 2])),
          this.control(1, u32(this.opts.outChunkSize)),
          this.command(0, '_result', t, obj({ fmsVer: 'FMS/3,0,1,123', capabilities: 31 }), obj({
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            objectEncoding: 0,
          })),
        ]
      }
      case 'releaseStream':
      case 'FCPublish':
        return this.state === 'connected' ? [this.command(0, '_result', t, null, undefined)] : []
      case 'createStream':
        return this.state === 'connected' ? [this.command(0, '_result', t, null, STREAM_ID)] : []
      case 'publish': {
        if (this.state !== 'connected') return this.close('PROTOCOL', 'publish out of order')
        const key = typeof arg === 'string' ? (arg.split('?')[0] ?? '') : ''
        this.pendingKey = key
        this.state = 'authorizing'
        return [{ kind: 'authorize', streamKey: key }]
      }
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        return this.state === 'publishing' || this.state === 'authorizing' ? this.close('UNPUBLISHED') : []
      default:
        return []
    }
  }
}

function u32(n: number): Uint8Array {
  return Uint8Array.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
}

function obj(o: Record<string, AmfValue>): AmfObject {
  return o
}

function isObj(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
}
