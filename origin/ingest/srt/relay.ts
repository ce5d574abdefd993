/**
 * The relay between one admitted SRT caller and its loopback ffmpeg listener, as a pure state
 * machine: repeat the caller's original induction until ffmpeg answers, send the caller's
 * conclusion re-cookied with ffmpeg's cookie, then pass everything through verbatim (handshake
 * retransmissions from the caller keep getting ffmpeg's cookie).
 */
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

/** One caller ↔ ffmpeg relay. */
export class SrtRelay {
  phase: RelayPhase = 'starting'
  private upstreamCookie: number | undefined

  constructor(private readonly induction: Uint8Array, private conclusion: Uint8Array) {}

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
    const out: RelayOutput = {
      toUpstream: isHandshake(msg) && this.upstreamCookie !== undefined ? withCookie(msg, this.upstreamCookie) : msg,
    }
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
      return { toUpstream: withCookie(this.conclusion, hs.hs.cookie) }
    }
    if (this.phase === 'concluding' && isHandshake(msg)) {
      const hs = parseHandshake(msg)
      if (hs.ok && hs.hs.type === HS_CONCLUSION) this.phase = 'relaying'
      else if (hs.ok && hs.hs.type >= HS_REJECT_BASE && hs.hs.type < HS_CONCLUSION - 1) return { toCaller: msg, rejected: hs.hs.type }
    }
    return { toCaller: msg }
  }
}
