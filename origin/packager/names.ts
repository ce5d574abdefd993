/**
 * File names of a rendition's media, relative to its media playlist. Every name carries the stream id
 * (chosen at `begin`), so immutable caching never serves bytes of an earlier stream under the same URI.
 */

/** Kind and number encoded in a media file name. */
export type MediaName =
  | { kind: 'playlist' }
  | { kind: 'init'; stream: string; id: number }
  | { kind: 'segment'; stream: string; msn: number }
  | { kind: 'part'; stream: string; seq: number }

/** Media playlist of a rendition. */
export const PLAYLIST_NAME = 'index.m3u8'

/** `<stream>-i<id>.mp4`: an init section (EXT-X-MAP). */
export const initName = (stream: string, id: number): string => `${stream}-i${id}.mp4`
/** `<stream>-s<msn>.m4s`: a complete segment. */
export const segmentName = (stream: string, msn: number): string => `${stream}-s${msn}.m4s`
/** `<stream>-p<seq>.m4s`: a part, by rendition-wide part sequence number. */
export const partName = (stream: string, seq: number): string => `${stream}-p${seq}.m4s`

const MEDIA = /^([a-z0-9]{1,16})-([isp])(\d{1,15})\.(mp4|m4s)$/

/** Reads a file name below a rendition; undefined for anything that is not one of ours. */
export function parseMediaName(file: string): MediaName | undefined {
  if (file === PLAYLIST_NAME) return { kind: 'playlist' }
  const m = MEDIA.exec(file)
  if (m === null) return undefined
  const [, stream = '', letter, digits = '', ext] = m
  const n = Number(digits)
  if (!Number.isSafeInteger(n)) return undefined
  if (letter === 'i' && ext === 'mp4') return { kind: 'init', stream, id: n }
  if (letter === 's' && ext === 'm4s') return { kind: 'segment', stream, msn: n }
  if (letter === 'p' && ext === 'm4s') return { kind: 'part', stream, seq: n }
  return undefined
}

/** Stream id from the begin time: base-36 milliseconds, deterministic for an injected clock. */
export function streamIdFor(nowMs: number): string {
  return Math.max(0, Math.floor(nowMs)).toString(36)
}
