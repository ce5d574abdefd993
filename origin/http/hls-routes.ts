/**
 * LL-HLS over uWebSockets.js: multivariant and media playlists with blocking reload, init sections,
 * parts (a hinted part is held until complete) and segments, plus `angles.json`, all under
 * `/live/<event>/…` (GET and HEAD). Thin adapter over the packager's {@link LiveStore}.
 */
import { gzipSync } from 'node:zlib'
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js'
import { blockingTimeoutMs, decideBlocking, type HlsQuery, parseHlsQuery } from '../packager/blocking.ts'
import { type AngleState, blockingState, type LiveStore, mediaPlaylist, multivariantPlaylist } from '../packager/live-store.ts'
import { parseMediaName } from '../packager/names.ts'
import type { RenditionPackager } from '../packager/rendition.ts'
import { IMMUTABLE, JSON_TYPE, M3U8, MP4, NO_STORE, baseHeaders, mediaPlaylistCacheControl, multivariantCacheControl, preflightHeaders } from './cache-policy.ts'
import { acceptsGzip, type Headers, type Reply, reply, send } from './respond.ts'
import { type Waiter, WaiterRegistry } from './waiters.ts'
import { isName } from '../../common/wire/names.ts'

/** Adapter settings. */
export interface HlsRoutesOptions {
  /** `Access-Control-Allow-Origin` value (default `*`). */
  corsOrigin?: string
  /** Wall clock for deadlines and Last-Modified (default `Date.now`). */
  clock?: () => number
  /** Granularity of the one shared timeout sweep, in milliseconds (default 100). */
  sweepMs?: number
  /** Held requests beyond this many are answered 503 at once (default 50,000). */
  maxHeldRequests?: number
}

/** Counters for `/metrics`. */
export interface HlsStats {
  held: number
  woken: number
  expired503: number
  refused400: number
  notFound404: number
  playlistsServed: number
  mediaServed: number
}

/** Handle returned by {@link registerHlsRoutes}. */
export interface HlsRoutes {
  stats(): HlsStats
  /** Stops the sweep timer and answers every held request with 503. */
  close(): void
}

interface HeldRequest extends Waiter {
  reply: Reply
  event: string
  angle: string
  rendition: string
  /** Playlist waiters carry their query; part waiters their part sequence number. */
  query?: HlsQuery
  partSeq?: number
  gzip: boolean
}

interface RenderedPlaylist {
  /** Change marker of the angle the text was rendered from. */
  version: string
  body: Uint8Array
  gzipped: boolean
  lastModifiedMs: number
}

interface Prepared {
  headers: Headers
  body: Uint8Array
}

const GZIP_MIN_BYTES = 512

const playlistKey = (event: string, angle: string, rendition: string): string => `pl\u0000${event}\u0000${angle}\u0000${rendition}`
const partKey = (event: string, angle: string, rendition: string, seq: number): string => `pt\u0000${event}\u0000${angle}\u0000${rendition}\u0000${seq}`

/** Registers the `/live/*` routes on `app`; unknown paths below `/live/` get 404. */
export function registerHlsRoutes(app: TemplatedApp, store: LiveStore, opts: HlsRoutesOptions = {}): HlsRoutes {
  const origin = opts.corsOrigin ?? '*'
  const clock = opts.clock ?? Date.now
  const maxHeld = opts.maxHeldRequests ?? 50_000
  const registry = new WaiterRegistry<HeldRequest>(opts.sweepMs ?? 100, clock())
  const stats: Omit<HlsStats, 'held'> = { woken: 0, expired503: 0, refused400: 0, notFound404: 0, playlistsServed: 0, mediaServed: 0 }
  const rendered = new Map<string, RenderedPlaylist>()

  const status = (r: Reply, code: string, message: string): void => {
    if (code.startsWith('400')) stats.refused400++
    if (code.startsWith('404')) stats.notFound404++
    send(r, code, baseHeaders('text/plain; charset=utf-8', NO_STORE, undefined, origin), message)
  }

  const version = (a: AngleState): string => {
    let v = a.stream
    for (const e of a.renditions.values()) v += `|${e.packager.nextPartSeq}.${e.packager.nextMsn}.${e.packager.ended ? 1 : 0}`
    return v
  }

  /** Renders once per change and per variant (skip × gzip); held requests share the bytes. */
  const playlistBody = (a: AngleState, rendition: string, skip: boolean, gzip: boolean): RenderedPlaylist | undefined => {
    const cacheKey = `${a.event}\u0000${a.angle}\u0000${rendition}\u0000${skip ? 1 : 0}${gzip ? 1 : 0}`
    const v = version(a)
    const hit = rendered.get(cacheKey)
    if (hit?.version === v) return hit
    const text = mediaPlaylist(a, rendition, skip)
    if (text === undefined) return undefined
    const raw = Buffer.from(text)
    const gzipped = gzip && raw.byteLength >= GZIP_MIN_BYTES
    const entry = { version: v, body: gzipped ? gzipSync(raw) : raw, gzipped, lastModifiedMs: clock() }
    rendered.set(cacheKey, entry)
    return entry
  }

  /** Status line, headers and body of a playlist answer; built once and shared by every waiter it wakes. */
  const preparePlaylist = (a: AngleState, rendition: string, r: RenditionPackager, q: HlsQuery, gzip: boolean): Prepared | undefined => {
    const out = playlistBody(a, rendition, q.skip, gzip)
    if (out === undefined) return undefined
    const headers = baseHeaders(M3U8, mediaPlaylistCacheControl(q.msn !== undefined && !r.ended, r.targetDurationSec), out.lastModifiedMs, origin)
    headers.push(['Vary', 'Accept-Encoding'])
    if (out.gzipped) headers.push(['Content-Encoding', 'gzip'])
    return { headers, body: out.body }
  }

  const sendPrepared = (rep: Reply, p: Prepared | undefined): void => {
    if (p === undefined) return status(rep, '404 Not Found', 'no such rendition')
    stats.playlistsServed++
    send(rep, '200 OK', p.headers, p.body)
  }

  const sendPlaylist = (w: Pick<HeldRequest, 'reply' | 'rendition' | 'gzip'>, a: AngleState, r: RenditionPackager, q: HlsQuery): void => {
    sendPrepared(w.reply, preparePlaylist(a, w.rendition, r, q, w.gzip))
  }

  /** Answers held playlist requests that are now ready, preparing each response variant once. */
  const wakePlaylists = (a: AngleState, rendition: string, r: RenditionPackager, waiting: HeldRequest[]): void => {
    const state = blockingState(r)
    const variants = new Map<number, Prepared | undefined>()
    for (const w of waiting) {
      const q = w.query
      if (q === undefined || decideBlocking(state, q).kind !== 'ready') continue
      registry.remove(w)
      stats.woken++
      const v = (q.skip ? 1 : 0) | (w.gzip ? 2 : 0) | (q.msn !== undefined ? 4 : 0)
      let p = variants.get(v)
      if (p === undefined && !variants.has(v)) variants.set(v, (p = preparePlaylist(a, rendition, r, q, w.gzip)))
      sendPrepared(w.reply, p)
    }
  }

  const sendMedia = (rep: Reply, bytes: Uint8Array, lastModifiedMs: number): void => {
    stats.mediaServed++
    send(rep, '200 OK', baseHeaders(MP4, IMMUTABLE, lastModifiedMs, origin), bytes)
  }

  const hold = (w: HeldRequest): void => {
    if (registry.size >= maxHeld) return status(w.reply, '503 Service Unavailable', 'too many held requests')
    registry.add(w)
  }

  const unsubscribe = store.listen({
    part(a, rendition, part) {
      const e = a.renditions.get(rendition)
      if (e === undefined) return
      for (const w of registry.waitersOf(partKey(a.event, a.angle, rendition, part.seq))) {
        registry.remove(w)
        stats.woken++
        if (part.bytes !== null) sendMedia(w.reply, part.bytes, part.wallClockMs)
      }
      const waiting = registry.waitersOf(playlistKey(a.event, a.angle, rendition))
      if (waiting.length > 0) wakePlaylists(a, rendition, e.packager, waiting)
    },
    end(a) {
      for (const [name, e] of a.renditions) {
        // Ended: every held playlist request is ready (ENDLIST ignores the blocking parameters).
        wakePlaylists(a, name, e.packager, registry.waitersOf(playlistKey(a.event, a.angle, name)))
        for (const w of registry.waitersOf(partKey(a.event, a.angle, name, e.packager.nextPartSeq))) {
          registry.remove(w)
          status(w.reply, '404 Not Found', 'stream ended')
        }
      }
    },
    release(a) {
      const prefix = `${a.event}\u0000${a.angle}\u0000`
      for (const k of rendered.keys()) if (k.startsWith(prefix)) rendered.delete(k)
    },
  })

  const sweep = setInterval(() => {
    for (const w of registry.sweep(clock())) {
      stats.expired503++
      status(w.reply, '503 Service Unavailable', 'blocking request timed out')
    }
  }, opts.sweepMs ?? 100)
  sweep.unref()

  app.options('/live/*', (res) => {
    res.writeStatus('204 No Content')
    for (const [k, v] of preflightHeaders(origin)) res.writeHeader(k, v)
    res.endWithoutBody()
  })

  const angles = (head: boolean) => (res: HttpResponse, req: HttpRequest): void => {
    const event = req.getParameter(0)
    const rep = reply(res, undefined, head)
    if (!isName(event)) return status(rep, '404 Not Found', 'not found')
    const list = store.listAngles(event)
    if (list.length === 0) return status(rep, '404 Not Found', 'unknown event')
    send(rep, '200 OK', baseHeaders(JSON_TYPE, 'public, max-age=1', undefined, origin), JSON.stringify({ event, angles: list }))
  }

  const master = (head: boolean) => (res: HttpResponse, req: HttpRequest): void => {
    const event = req.getParameter(0)
    const angleName = req.getParameter(1)
    const rep = reply(res, undefined, head)
    const a = isName(event) && isName(angleName) ? store.angle(event, angleName) : undefined
    if (a === undefined || a.renditions.size === 0) return status(rep, '404 Not Found', 'unknown angle')
    const text = multivariantPlaylist(a)
    if (text === null) {
      return send(rep, '503 Service Unavailable', [...baseHeaders('text/plain', NO_STORE, undefined, origin), ['Retry-After', '1']], 'stream starting')
    }
    stats.playlistsServed++
    send(rep, '200 OK', baseHeaders(M3U8, multivariantCacheControl(store.config.segmentTargetMs), undefined, origin), text)
  }

  const media = (head: boolean) => (res: HttpResponse, req: HttpRequest): void => {
    // Copy everything from req now: it is invalid once this handler returns.
    const event = req.getParameter(0)
    const angleName = req.getParameter(1)
    const rendition = req.getParameter(2)
    const file = req.getParameter(3)
    const rawQuery = req.getQuery() ?? ''
    const gzip = acceptsGzip(req.getHeader('accept-encoding'))
    const w: HeldRequest = { key: '', deadlineMs: 0, done: false, reply: reply(res, () => registry.remove(w), head), event, angle: angleName, rendition, gzip }
    const name = parseMediaName(file)
    const a = isName(event) && isName(angleName) && isName(rendition) ? store.angle(event, angleName) : undefined
    const r = a?.renditions.get(rendition)?.packager
    if (a === undefined || r === undefined || name === undefined) return status(w.reply, '404 Not Found', 'not found')
    if (name.kind === 'playlist') {
      const parsed = parseHlsQuery(rawQuery)
      if (!parsed.ok) return status(w.reply, '400 Bad Request', parsed.message)
      const d = decideBlocking(blockingState(r), parsed.query)
      if (d.kind === 'bad') return status(w.reply, '400 Bad Request', d.code)
      if (d.kind === 'ready') return sendPlaylist(w, a, r, parsed.query)
      w.key = playlistKey(event, angleName, rendition)
      w.query = parsed.query
      w.deadlineMs = clock() + blockingTimeoutMs(r.targetDurationSec)
      return hold(w)
    }
    if (name.stream !== a.stream) return status(w.reply, '404 Not Found', 'not found')
    if (name.kind === 'init') {
      const init = r.init(name.id)
      return init === undefined ? status(w.reply, '404 Not Found', 'not found') : sendMedia(w.reply, init.bytes, clock())
    }
    if (name.kind === 'segment') {
      const seg = r.segment(name.msn)
      return seg?.bytes == null ? status(w.reply, '404 Not Found', 'not found') : sendMedia(w.reply, seg.bytes, seg.pdtMs)
    }
    const part = r.part(name.seq)
    if (part?.bytes != null) return sendMedia(w.reply, part.bytes, part.wallClockMs)
    // The hinted part: requestable now, answered when complete.
    if (name.seq === r.nextPartSeq && !r.ended) {
      w.key = partKey(event, angleName, rendition, name.seq)
      w.partSeq = name.seq
      w.deadlineMs = clock() + blockingTimeoutMs(r.targetDurationSec)
      return hold(w)
    }
    status(w.reply, '404 Not Found', 'not found')
  }

  for (const head of [false, true]) {
    const on = head ? app.head.bind(app) : app.get.bind(app)
    on('/live/:event/angles.json', angles(head))
    on('/live/:event/:angle/master.m3u8', master(head))
    on('/live/:event/:angle/:rendition/:file', media(head))
  }
  app.any('/live/*', (res) => status(reply(res), '404 Not Found', 'not found'))

  return {
    stats: () => ({ ...stats, held: registry.size }),
    close() {
      clearInterval(sweep)
      unsubscribe()
      for (const w of registry.drain()) status(w.reply, '503 Service Unavailable', 'shutting down')
    },
  }
}

/** Catch-all 404 for every path no other route claims; register it last. */
export function registerNotFound(app: TemplatedApp): void {
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('Cache-Control', NO_STORE).end('not found')
  })
}
