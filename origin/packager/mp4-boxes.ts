/**
 * Minimal ISO-BMFF reader for CMAF as ffmpeg writes it: the init section (`ftyp` + `moov`) and
 * fragments (`moof` + `mdat` pairs). Reads only what the packager needs; errors are data.
 */
import { codecFromAvcC, codecFromEsds } from './codecs.ts'

/** Why some bytes were refused. */
export type Mp4ErrorCode = 'TRUNCATED' | 'BAD_BOX' | 'NO_MOOV' | 'NO_TRACKS' | 'NO_MOOF' | 'UNKNOWN_TRACK' | 'TOO_LARGE'

/** A typed parse failure. */
export interface Mp4Error {
  code: Mp4ErrorCode
  message: string
}

/** Result of a parse: the value, or a typed error. */
export type Mp4Result<T> = { ok: true; value: T } | { ok: false; error: Mp4Error }

/** One box header found while scanning. */
export interface BoxRef {
  type: string
  /** Offset of the box's first byte (its size field). */
  start: number
  /** Offset of the first payload byte. */
  payload: number
  /** Offset one past the box's last byte. */
  end: number
}

/** What the init section says about one track. */
export interface TrackInfo {
  trackId: number
  kind: 'video' | 'audio' | 'other'
  /** Media timescale from `mdhd` (ticks per second). */
  timescale: number
  /** RFC 6381 codec string, e.g. `avc1.64000c` or `mp4a.40.2`; empty when unknown. */
  codec: string
  width: number
  height: number
  /** `trex` defaults, used when `tfhd`/`trun` leave a field out. */
  defaultSampleDuration: number
  defaultSampleFlags: number
}

/** Parsed init section. */
export interface InitInfo {
  tracks: TrackInfo[]
}

/** What one fragment (one or more `moof`/`mdat` pairs) carries for one track. */
export interface TrackRun {
  trackId: number
  /** `tfdt` of the first `moof`, in the track's timescale. */
  baseDecodeTime: number
  /** Sum of sample durations, in the track's timescale. */
  duration: number
  sampleCount: number
  /** Whether the first sample is a sync sample (per `trun` first-sample flags, `tfhd` or `trex` defaults). */
  firstSampleKeyframe: boolean
}

/** Parsed fragment. */
export interface FragmentInfo {
  /** `mfhd` sequence number of the first `moof`. */
  sequenceNumber: number
  runs: TrackRun[]
}

/** More samples than any sane fragment holds (a 10 s fragment of 48 kHz audio has ~470). */
const MAX_SAMPLES = 100_000

const fail = <T>(code: Mp4ErrorCode, message: string): Mp4Result<T> => ({ ok: false, error: { code, message } })

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0)
}

/** Lists the boxes in `[from, to)`; fails on a size that runs past `to`. */
export function readBoxes(bytes: Uint8Array, from = 0, to = bytes.byteLength): Mp4Result<BoxRef[]> {
  const dv = view(bytes)
  const out: BoxRef[] = []
  let at = from
  while (at < to) {
    if (to - at < 8) return fail('TRUNCATED', `box header at ${at} needs 8 bytes, ${to - at} left`)
    let size = dv.getUint32(at)
    const type = fourcc(bytes, at + 4)
    let header = 8
    if (size === 1) {
      if (to - at < 16) return fail('TRUNCATED', `largesize box at ${at}`)
      size = Number(dv.getBigUint64(at + 8))
      header = 16
    } else if (size === 0) {
      size = to - at
    }
    if (size < header) return fail('BAD_BOX', `box ${JSON.stringify(type)} at ${at} has size ${size}`)
    if (at + size > to) return fail('TRUNCATED', `box ${JSON.stringify(type)} at ${at} runs past the end`)
    out.push({ type, start: at, payload: at + header, end: at + size })
    at += size
  }
  return { ok: true, value: out }
}

function child(bytes: Uint8Array, parent: BoxRef, type: string, skip = 0): BoxRef | undefined {
  const r = readBoxes(bytes, parent.payload + skip, parent.end)
  return r.ok ? r.value.find((b) => b.type === type) : undefined
}

function children(bytes: Uint8Array, parent: BoxRef, type: string): BoxRef[] {
  const r = readBoxes(bytes, parent.payload, parent.end)
  return r.ok ? r.value.filter((b) => b.type === type) : []
}

function path(bytes: Uint8Array, parent: BoxRef, types: string[]): BoxRef | undefined {
  let cur: BoxRef | undefined = parent
  for (const t of types) {
    if (cur === undefined) return undefined
    cur = child(bytes, cur, t)
  }
  return cur
}

function parseTrak(bytes: Uint8Array, trak: BoxRef): TrackInfo | undefined {
  const dv = view(bytes)
  const tkhd = child(bytes, trak, 'tkhd')
  const mdhd = path(bytes, trak, ['mdia', 'mdhd'])
  const hdlr = path(bytes, trak, ['mdia', 'hdlr'])
  if (tkhd === undefined || mdhd === undefined || hdlr === undefined) return undefined
  const tkhdV1 = bytes[tkhd.payload] === 1
  const trackId = dv.getUint32(tkhd.payload + (tkhdV1 ? 20 : 12))
  const dims = tkhd.payload + (tkhdV1 ? 88 : 76)
  const mdhdV1 = bytes[mdhd.payload] === 1
  const timescale = dv.getUint32(mdhd.payload + (mdhdV1 ? 20 : 12))
  const handler = fourcc(bytes, hdlr.payload + 8)
  const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other'
  let width = dims + 8 <= tkhd.end ? dv.getUint32(dims) >>> 16 : 0
  let height = dims + 8 <= tkhd.end ? dv.getUint32(dims + 4) >>> 16 : 0
  let codec = ''
  const stsd = path(bytes, trak, ['mdia', 'minf', 'stbl', 'stsd'])
  // stsd: full box header (4) + entry count (4), then sample entries.
  const entry = stsd === undefined ? undefined : readBoxes(bytes, stsd.payload + 8, stsd.end)
  const first = entry?.ok === true ? entry.value[0] : undefined
  if (first !== undefined && (first.type === 'avc1' || first.type === 'avc3')) {
    // VisualSampleEntry: 6 reserved + 2 data ref index + 16 pre-defined/reserved, then width, height; 78 bytes in all.
    width = dv.getUint16(first.payload + 24)
    height = dv.getUint16(first.payload + 26)
    const avcC = child(bytes, first, 'avcC', 78)
    if (avcC !== undefined) codec = codecFromAvcC(first.type, bytes.subarray(avcC.payload, avcC.end))
  } else if (first !== undefined && first.type === 'mp4a') {
    // AudioSampleEntry is 28 bytes before its child boxes.
    const esds = child(bytes, first, 'esds', 28)
    if (esds !== undefined) codec = codecFromEsds(bytes.subarray(esds.payload + 4, esds.end))
  } else if (first !== undefined) {
    codec = first.type
  }
  return { trackId, kind, timescale, codec, width, height, defaultSampleDuration: 0, defaultSampleFlags: 0 }
}

/** Turns a read past a box's end (DataView RangeError) into a typed error. */
function guarded<T>(parse: () => Mp4Result<T>): Mp4Result<T> {
  try {
    return parse()
  } catch (err) {
    if (err instanceof RangeError) return fail('BAD_BOX', `a box is shorter than its fields: ${err.message}`)
    throw err
  }
}

/** Parses an init section (`ftyp` + `moov`, with `mvex`/`trex` for fragmented files). */
export function parseInit(bytes: Uint8Array): Mp4Result<InitInfo> {
  return guarded(() => parseInitUnguarded(bytes))
}

function parseInitUnguarded(bytes: Uint8Array): Mp4Result<InitInfo> {
  const top = readBoxes(bytes)
  if (!top.ok) return top
  const moov = top.value.find((b) => b.type === 'moov')
  if (moov === undefined) return fail('NO_MOOV', 'init section has no moov box')
  const dv = view(bytes)
  const tracks: TrackInfo[] = []
  for (const trak of children(bytes, moov, 'trak')) {
    const t = parseTrak(bytes, trak)
    if (t !== undefined && t.timescale > 0) tracks.push(t)
  }
  const mvex = child(bytes, moov, 'mvex')
  for (const trex of mvex === undefined ? [] : children(bytes, mvex, 'trex')) {
    if (trex.end - trex.payload < 24) continue
    const id = dv.getUint32(trex.payload + 4)
    const t = tracks.find((x) => x.trackId === id)
    if (t === undefined) continue
    t.defaultSampleDuration = dv.getUint32(trex.payload + 12)
    t.defaultSampleFlags = dv.getUint32(trex.payload + 20)
  }
  if (tracks.length === 0) return fail('NO_TRACKS', 'moov has no usable track')
  return { ok: true, value: { tracks } }
}

/** A sample is a keyframe when `sample_is_non_sync_sample` (bit 16 of the sample flags) is clear. */
export function isSyncSample(flags: number): boolean {
  return (flags & 0x10000) === 0
}

interface TrafSummary {
  run: TrackRun
}

function parseTraf(bytes: Uint8Array, traf: BoxRef, init: InitInfo): Mp4Result<TrafSummary> {
  const dv = view(bytes)
  const tfhd = child(bytes, traf, 'tfhd')
  if (tfhd === undefined || tfhd.end - tfhd.payload < 8) return fail('BAD_BOX', 'traf without tfhd')
  const tfFlags = dv.getUint32(tfhd.payload) & 0xffffff
  const trackId = dv.getUint32(tfhd.payload + 4)
  const track = init.tracks.find((t) => t.trackId === trackId)
  if (track === undefined) return fail('UNKNOWN_TRACK', `fragment has track ${trackId}, init does not`)
  let at = tfhd.payload + 8
  if (tfFlags & 0x1) at += 8
  if (tfFlags & 0x2) at += 4
  let defaultDuration = track.defaultSampleDuration
  let defaultFlags = track.defaultSampleFlags
  if (tfFlags & 0x8) {
    defaultDuration = dv.getUint32(at)
    at += 4
  }
  if (tfFlags & 0x10) at += 4
  if (tfFlags & 0x20) defaultFlags = dv.getUint32(at)
  const tfdt = child(bytes, traf, 'tfdt')
  let baseDecodeTime = 0
  if (tfdt !== undefined) {
    baseDecodeTime = bytes[tfdt.payload] === 1 ? Number(dv.getBigUint64(tfdt.payload + 4)) : dv.getUint32(tfdt.payload + 4)
  }
  let duration = 0
  let sampleCount = 0
  let firstFlags: number | undefined
  for (const trun of children(bytes, traf, 'trun')) {
    const flags = dv.getUint32(trun.payload) & 0xffffff
    const count = dv.getUint32(trun.payload + 4)
    let p = trun.payload + 8
    if (flags & 0x1) p += 4
    let firstSampleFlags: number | undefined
    if (flags & 0x4) {
      firstSampleFlags = dv.getUint32(p)
      p += 4
    }
    const perSample = ((flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0))
    if (count > MAX_SAMPLES || p + perSample * count > trun.end) return fail('TRUNCATED', `trun of track ${trackId} claims ${count} samples`)
    for (let i = 0; i < count; i++) {
      let d = defaultDuration
      let f = i === 0 && firstSampleFlags !== undefined ? firstSampleFlags : defaultFlags
      if (flags & 0x100) {
        d = dv.getUint32(p)
        p += 4
      }
      if (flags & 0x200) p += 4
      if (flags & 0x400) {
        f = dv.getUint32(p)
        p += 4
      }
      if (flags & 0x800) p += 4
      if (sampleCount === 0 && i === 0) firstFlags = f
      duration += d
    }
    sampleCount += count
  }
  const firstSampleKeyframe = firstFlags !== undefined && isSyncSample(firstFlags)
  return { ok: true, value: { run: { trackId, baseDecodeTime, duration, sampleCount, firstSampleKeyframe } } }
}

/** Parses a fragment: one or more `moof`/`mdat` pairs (plus optional `styp`/`sidx`/`prft`). */
export function parseFragment(bytes: Uint8Array, init: InitInfo): Mp4Result<FragmentInfo> {
  return guarded(() => parseFragmentUnguarded(bytes, init))
}

function parseFragmentUnguarded(bytes: Uint8Array, init: InitInfo): Mp4Result<FragmentInfo> {
  const top = readBoxes(bytes)
  if (!top.ok) return top
  const runs = new Map<number, TrackRun>()
  let sequenceNumber: number | undefined
  for (const moof of top.value.filter((b) => b.type === 'moof')) {
    const mfhd = child(bytes, moof, 'mfhd')
    if (sequenceNumber === undefined && mfhd !== undefined) sequenceNumber = view(bytes).getUint32(mfhd.payload + 4)
    for (const traf of children(bytes, moof, 'traf')) {
      const r = parseTraf(bytes, traf, init)
      if (!r.ok) return r
      const prev = runs.get(r.value.run.trackId)
      if (prev === undefined) runs.set(r.value.run.trackId, r.value.run)
      else {
        prev.duration += r.value.run.duration
        prev.sampleCount += r.value.run.sampleCount
      }
    }
  }
  if (sequenceNumber === undefined) return fail('NO_MOOF', 'fragment has no moof box')
  return { ok: true, value: { sequenceNumber, runs: [...runs.values()] } }
}
