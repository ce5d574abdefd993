/**
 * SRT front (adapter): a UDP proxy that answers the caller's induction itself, checks the stream
 * key from the conclusion's stream id, and either rejects the caller or starts an ffmpeg SRT
 * listener on a loopback port and relays the caller to it (original induction forwarded, the
 * caller's conclusion re-cookied with ffmpeg's cookie, everything else verbatim both ways). With a
 * passphrase the relay decrypts, so ffmpeg listens without one and it never appears on its argv.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { randomBytes, randomInt } from 'node:crypto'
import type { Logger } from '../../../common/log.ts'
import type { PublishRefusal } from '../../contract.ts'
import type { Ingest, Publisher } from '../ingest.ts'
import type { AttemptLimiter } from '../rate-limit.ts'
import { cookieValid, synCookie } from './cookie.ts'
import { SrtRelay } from './relay.ts'
import { checkKeyMaterial } from './key-material.ts'
import { unwrapKeys } from './decrypt.ts'
import {
  HS_CONCLUSION,
  HS_INDUCTION,
  REJ_CONFLICT,
  REJ_TOO_MANY,
  REJ_UNAUTHORIZED,
  REJ_FORBIDDEN,
  REJ_UNAVAILABLE,
  inductionResponse,
  isHandshake,
  parseHandshake,
  peerIpField,
  publishKey,
  rejection,
} from './packet.ts'

/** SRT front settings. */
export interface SrtServerOptions {
  host: string
  port: number
  ingest: Ingest
  logger: Logger
  /** Passphrase publishers must use; the proxy checks their key material and decrypts (ffmpeg gets plaintext). */
  passphrase: string
  latencyMs: number
  maxSessions: number
  /** A session with no caller datagram for this long is closed. */
  idleMs: number
  /** Publish attempts per remote address (shared with the RTMP front). */
  limiter: AttemptLimiter
}

/** A listening SRT front. */
export interface SrtServer {
  port: number
  close(): Promise<void>
}

interface Session {
  key: string
  remote: RemoteInfo
  /** Set once admitted: the relay core and the loopback socket to ffmpeg. */
  relay?: SrtRelay
  upstream?: Socket
  upstreamPort?: number
  publisher?: Publisher
  closed: boolean
  socketId: number
  startedAt: number
  lastSeen: number
}

function reasonCode(r: PublishRefusal): number {
  if (r === 'ALREADY_LIVE') return REJ_CONFLICT
  return r === 'KEY_STORE_UNAVAILABLE' ? REJ_UNAVAILABLE : REJ_FORBIDDEN
}

async function freeUdpPort(host: string): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject)
    s.bind(0, host, () => resolve())
  })
  const port = s.address().port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** Starts the SRT proxy front. */
export async function startSrtServer(o: SrtServerOptions): Promise<SrtServer> {
  const sock = createSocket('udp4')
  const sessions = new Map<string, Session>()
  // Inductions allocate no session (stateless cookies); only the last few are kept to forward to ffmpeg.
  const inductions = new Map<string, Uint8Array>()
  const secret = randomBytes(32)
  const listenerSocketId = randomInt(1, 0x3fffffff)
  const t0 = Date.now()
  const ts = (): number => ((Date.now() - t0) * 1000) >>> 0
  const log = o.logger

  const send = (s: Session, p: Uint8Array): void => sock.send(p, s.remote.port, s.remote.address)

  const toUpstream = (s: Session, p: Uint8Array | undefined): void => {
    if (p !== undefined && s.upstreamPort !== undefined) s.upstream?.send(p, s.upstreamPort, '127.0.0.1')
  }

  const closeSession = (s: Session, why: string): void => {
    if (s.closed) return
    s.closed = true
    sessions.delete(s.key)
    log.info({ remote: s.key, why }, 'srt session closed')
    s.upstream?.close()
    s.publisher?.disconnect()
  }

  const admit = async (s: Session, streamKey: string | undefined, hs: ReturnType<typeof parseHandshake> & { ok: true }, induction: Uint8Array, conclusion: Uint8Array): Promise<void> => {
    const peerIp = peerIpField(s.remote.address)
    if (!o.limiter.take(s.remote.address, Date.now())) {
      o.ingest.noteRefused('srt', 'RATE_LIMITED')
      send(s, rejection(hs.hs, { socketId: s.socketId, reason: REJ_TOO_MANY, timestamp: ts(), peerIp }))
      closeSession(s, 'rate limited')
      return
    }
    if (streamKey === undefined) {
      send(s, rejection(hs.hs, { socketId: s.socketId, reason: REJ_FORBIDDEN, timestamp: ts(), peerIp }))
      closeSession(s, 'no publish stream id')
      return
    }
    if (o.passphrase !== '') {
      // Refuse a wrong or missing passphrase here, before a transcoder exists.
      let km = hs.hs.keyMaterial === undefined ? 'MISSING' : checkKeyMaterial(hs.hs.keyMaterial, o.passphrase)
      // The relay decrypts AES-CTR only (all ffmpeg 5.1 callers); anything else would reach ffmpeg encrypted.
      if (km === 'OK' && unwrapKeys(hs.hs.keyMaterial ?? new Uint8Array(), o.passphrase) === undefined) km = 'UNSUPPORTED_CIPHER'
      if (km !== 'OK') {
        send(s, rejection(hs.hs, { socketId: s.socketId, reason: REJ_UNAUTHORIZED, timestamp: ts(), peerIp }))
        closeSession(s, `key material ${km}`)
        return
      }
    }
    const port = await freeUdpPort('127.0.0.1')
    // No passphrase here: the relay decrypts, so it never reaches ffmpeg's command line.
    const params = new URLSearchParams({ mode: 'listener', latency: String(o.latencyMs * 1000) })
    const r = await o.ingest.admit(streamKey, 'srt', {
      input: { kind: 'url', url: `srt://127.0.0.1:${port}?${params.toString()}` },
      kick: (why) => closeSession(s, why),
    })
    if (s.closed) {
      if (r.ok) r.publisher.disconnect()
      return
    }
    if (!r.ok) {
      send(s, rejection(hs.hs, { socketId: s.socketId, reason: reasonCode(r.reason), timestamp: ts(), peerIp }))
      closeSession(s, r.reason)
      return
    }
    s.publisher = r.publisher
    const km = hs.hs.keyMaterial
    const relay = new SrtRelay(induction, conclusion, o.passphrase !== '' && km !== undefined ? { passphrase: o.passphrase, keyMaterial: km } : undefined)
    s.relay = relay
    const up = createSocket('udp4')
    s.upstream = up
    up.on('error', () => closeSession(s, 'upstream socket error'))
    // Unconnected on purpose: ICMP port-unreachable while ffmpeg is still starting must not error.
    up.on('message', (msg, from) => {
      if (from.port !== port || s.closed) return
      const out = relay.fromUpstream(msg)
      toUpstream(s, out.toUpstream)
      if (out.toCaller !== undefined) send(s, out.toCaller)
      if (out.rejected !== undefined) closeSession(s, `ffmpeg rejected: ${out.rejected - 1000}`)
    })
    await new Promise<void>((resolve) => up.bind(0, '127.0.0.1', () => resolve()))
    s.upstreamPort = port
    // ffmpeg needs a moment to open its listener; repeat the caller's induction until it answers.
    const poke = setInterval(() => {
      const p = relay.poke()
      if (p === undefined || s.closed) {
        clearInterval(poke)
      } else if (Date.now() - s.startedAt > 15_000) {
        clearInterval(poke)
        closeSession(s, 'ffmpeg listener did not answer')
      } else {
        toUpstream(s, p)
      }
    }, 100)
  }

  const onCaller = (msg: Buffer, remote: RemoteInfo): void => {
    const key = `${remote.address}:${remote.port}`
    const s = sessions.get(key)
    const now = Date.now()
    if (s !== undefined) s.lastSeen = now
    if (s?.relay !== undefined) {
      const out = s.relay.fromCaller(msg)
      if (out.dataTimestampUs !== undefined) s.publisher?.noteMedia(out.dataTimestampUs / 1000)
      toUpstream(s, out.toUpstream)
      return
    }
    if (!isHandshake(msg)) return
    const p = parseHandshake(msg)
    if (!p.ok) return
    const peerIp = peerIpField(remote.address)
    if (p.hs.type === HS_INDUCTION) {
      inductions.delete(key)
      inductions.set(key, Uint8Array.from(msg))
      if (inductions.size > 1024) inductions.delete(inductions.keys().next().value ?? '')
      const cookie = synCookie(secret, remote.address, remote.port, now)
      sock.send(inductionResponse(p.hs, { socketId: listenerSocketId, cookie, timestamp: ts(), peerIp }), remote.port, remote.address)
      return
    }
    if (p.hs.type !== HS_CONCLUSION) return
    // A retransmitted conclusion while the key check is in progress.
    if (s !== undefined) return
    const induction = inductions.get(key)
    if (induction === undefined || !cookieValid(secret, remote.address, remote.port, now, p.hs.cookie)) return
    if (sessions.size >= o.maxSessions) return
    inductions.delete(key)
    const session: Session = { key, remote, closed: false, socketId: listenerSocketId, startedAt: now, lastSeen: now }
    sessions.set(key, session)
    admit(session, publishKey(p.hs.streamId), p, induction, Uint8Array.from(msg)).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'srt admit failed')
      if (!session.closed && session.relay === undefined) {
        send(session, rejection(p.hs, { socketId: session.socketId, reason: REJ_UNAVAILABLE, timestamp: ts(), peerIp }))
      }
      closeSession(session, 'internal error')
    })
  }

  sock.on('message', (msg, remote) => {
    try {
      onCaller(msg, remote)
    } catch (err) {
      log.error({ err: (err as Error).message }, 'srt datagram failure')
    }
  })
  sock.on('error', (err) => log.error({ err: err.message }, 'srt socket error'))
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(o.port, o.host, () => resolve())
  })
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const s of sessions.values()) if (now - s.lastSeen > o.idleMs) closeSession(s, 'idle')
  }, 1000)
  return {
    port: sock.address().port,
    close: async () => {
      clearInterval(sweep)
      for (const s of [...sessions.values()]) closeSession(s, 'server closing')
      await new Promise<void>((resolve) => sock.close(() => resolve()))
    },
  }
}
