/**
 * Test media: the recorded ffmpeg CMAF fixtures split into init + fragments, and a tiny fMP4 writer
 * for property tests that need fragments of chosen durations and keyframe flags.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readBoxes } from './mp4-boxes.ts'

/** A recorded CMAF stream split the way ingest hands it over. */
export interface FixtureStream {
  init: Uint8Array
  fragments: Uint8Array[]
}

/** Recorded fixtures (see fixtures/README.md for the command lines). */
export type FixtureName = 'av-160x90.cmaf' | 'av-128x72-44k.cmaf'

/** Loads a fixture: `ftyp`+`moov` as the init, then one fragment per `moof`/`mdat` pair. */
export function loadFixture(name: FixtureName): FixtureStream {
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))))
  const boxes = readBoxes(bytes)
  if (!boxes.ok) throw new Error(boxes.error.message)
  const moov = boxes.value.findIndex((b) => b.type === 'moov')
  const init = bytes.subarray(0, boxes.value[moov]?.end)
  const fragments: Uint8Array[] = []
  for (let i = moov + 1; i + 1 < boxes.value.length; i += 2) {
    const moof = boxes.value[i]
    const mdat = boxes.value[i + 1]
    if (moof?.type !== 'moof' || mdat?.type !== 'mdat') throw new Error('fixture is not strict moof/mdat pairs')
    fragments.push(bytes.subarray(moof.start, mdat.end))
  }
  return { init, fragments }
}

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((a, p) => a + p.byteLength, 0)
  const out = new Uint8Array(size)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, size)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  let at = 8
  for (const p of payload) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

function u32s(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const dv = new DataView(out.buffer)
  values.forEach((v, i) => dv.setUint32(i * 4, v >>> 0))
  return out
}

/** An init section with one video track (id 1) of the given timescale; no sample entry. */
export function synthInit(timescale: number, marker = 0): Uint8Array {
  const tkhd = box('tkhd', u32s(0, 0, 0, 1, 0, 0), new Uint8Array(52), u32s(160 << 16, 90 << 16))
  const mdhd = box('mdhd', u32s(0, 0, 0, timescale, 0, 0))
  const hdlr = box('hdlr', u32s(0, 0), new TextEncoder().encode('vide'), new Uint8Array(13))
  const stsd = box('stsd', u32s(0, 0))
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', box('stbl', stsd))))
  const trex = box('trex', u32s(0, 1, 1, 0, 0, 0x10000))
  return new Uint8Array([...box('ftyp', u32s(0x69736f36, marker)), ...box('moov', trak, box('mvex', trex))])
}

/** One `moof`+`mdat` for track 1: `samples` samples of `sampleDuration` ticks from `baseDecodeTime`. */
export function synthFragment(seq: number, baseDecodeTime: number, samples: number, sampleDuration: number, keyframe: boolean): Uint8Array {
  const tfhd = box('tfhd', u32s(0x020000, 1))
  const tfdt = box('tfdt', new Uint8Array([1, 0, 0, 0]), u32s(Math.floor(baseDecodeTime / 2 ** 32), baseDecodeTime % 2 ** 32))
  const entries: number[] = []
  for (let i = 0; i < samples; i++) entries.push(sampleDuration, 4)
  // trun flags: data offset, first-sample flags, per-sample duration and size.
  const trun = box('trun', u32s(0x000305, samples, 0, keyframe ? 0x02000000 : 0x01010000, ...entries))
  const moof = box('moof', box('mfhd', u32s(0, seq)), box('traf', tfhd, tfdt, trun))
  return new Uint8Array([...moof, ...box('mdat', new Uint8Array(samples * 4))])
}
