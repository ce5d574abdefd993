/**
 * The relay between one admitted SRT caller and its loopback ffmpeg listener, as a pure state
 * machine: repeat the caller's original induction until ffmpeg answers, send the caller's
 * conclusion re-cookied with ffmpeg's cookie, then pass everything through verbatim (handshake
 * retransmissions from the caller keep getting ffmpeg's cookie).
 */
import { decryptData, mergeKeys, refreshRequest, refreshResponse, type SrtKeys, unwrapKeys, withKeyResponse, withoutKeyMaterial } from './decrypt.ts'
import { HS_CONCLUSION, HS_INDUCTION, HS_REJECT_BASE, isControl, isHandshake, parseHandshake, withCookie } from './packet.ts'

/** Relay phases after admission. */
export type RelayPhase = 'starting' | 'concluding' | 'relaying'

/** What to do with a datagram. */
export interface RelayOutput {
  toCaller?: Uint8Array
  toUpstream?: Uint8Array
  /** A caller data packet passed: its SRT timestamp (sender clock, µs, 32-bit). */
  dataTimestampUs?: number
  /** ffmpeg refused the conclusion with this handshake type (1000 + reason). */
  rejected?: number
}

/** Decryption at the relay: the passphrase and the caller's key material from its conclusion. */
export interface RelayCrypto {
  passphrase: string
  keyMaterial: Uint8Array
}

/** One caller ↔ ffmpeg relay. */
export class SrtRelay {
  phase: RelayPhase = 'starting'
  private upstreamCookie: number | undefined
  private readonly crypto: { passphrase: string; km: Uint8Array; keys: SrtKeys } | undefined

  /** With `crypto`, ffmpeg sees plaintext and no key material; without, everything passes verbatim. */
  constructor(private readonly induction: Uint8Array, private conclusion: Uint8Array, crypto?: RelayCrypto) {
    const keys = crypto === undefined ? undefined : unwrapKeys(crypto.keyMaterial, crypto.passphrase)
    this.crypto = crypto === undefined || keys === undefined ? undefined : { passphrase: crypto.passphrase, km: Uint8Array.from(crypto.keyMaterial), keys }
  }

  /** Whether the relay decrypts (the key material opened with the passphrase). */
  get decrypting(): boolean {
    return this.crypto !== undefined
  }

  private toFfmpeg(handshake: Uint8Array, cookie: number): Uint8Array {
    return withCookie(this.crypto === undefined ? handshake : withoutKeyMaterial(handshake), cookie)
  }

  /** While starting: the datagram to (re)send to ffmpeg's listener. */
  poke(): Uint8Array | undefined {
    return this.phase === 'starting' ? this.induction : undefined
  }

  /** A datagram from the caller. */
  fromCaller(msg: Uint8Array): RelayOutput {
    if (this.phase === 'starting') {
      // A retransmitted conclusion: keep the newest, forward nothing yet.
      if (isHandshake(msg)) {
        const hs = parseHandshake(msg)
        if (hs.ok && hs.hs.type === HS_CONCLUSION) this.conclusion = Uint8Array.from(msg)
      }
      return {}
    }
    const c = this.crypto
    if (c !== undefined) {
      const refresh = refreshRequest(msg)
      if (refresh !== undefined) {
        // Key refresh: answered here (ffmpeg knows no keys); a request that does not open is ignored.
        const next = unwrapKeys(refresh, c.passphrase)
        if (next === undefined) return {}
        c.keys = mergeKeys(c.keys, next)
        const callerId = parseHandshake(this.conclusion)
        return { toCaller: refreshResponse(msg, callerId.ok ? callerId.hs.socketId : 0) }
      }
    }
    let up: Uint8Array | undefined = msg
    if (isHandshake(msg)) up = this.upstreamCookie === undefined ? msg : this.toFfmpeg(msg, this.upstreamCookie)
    else if (c !== undefined) up = decryptData(msg, c.keys)
    const out: RelayOutput = up === undefined ? {} : { toUpstream: up }
    if (!isControl(msg) && msg.length >= 16) out.dataTimestampUs = new DataView(msg.buffer, msg.byteOffset + 8, 4).getUint32(0)
    return out
  }

  /** A datagram from ffmpeg. */
  fromUpstream(msg: Uint8Array): RelayOutput {
    if (this.phase === 'starting') {
      const hs = parseHandshake(msg)
      if (!hs.ok || hs.hs.type !== HS_INDUCTION) return {}
      this.upstreamCookie = hs.hs.cookie
      this.phase = 'concluding'
      return { toUpstream: this.toFfmpeg(this.conclusion, hs.hs.cookie) }
    }
    if (isHandshake(msg)) {
      const hs = parseHandshake(msg)
      const conclusion = hs.ok && hs.hs.type === HS_CONCLUSION
      if (this.phase === 'concluding' && conclusion) this.phase = 'relaying'
      else if (this.phase === 'concluding' && hs.ok && hs.hs.type >= HS_REJECT_BASE && hs.hs.type < HS_CONCLUSION - 1) return { toCaller: msg, rejected: hs.hs.type }
      // ffmpeg answered without key material: the caller gets the KMRSP it expects from us.
      if (conclusion && this.crypto !== undefined) return { toCaller: withKeyResponse(msg, this.crypto.km) }
    }
    return { toCaller: msg }
  }
}
