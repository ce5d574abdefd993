/**
 * Load process for the tracker benchmark, driven over IPC by bench/tracker/index.ts. Holds many
 * raw connections, announces like p2p-media-loader (binary ids, 5 offers of ~2 KB SDP) and counts
 * replies and forwarded offers. Targets only 127.0.0.1.
 */
import { createHash, randomBytes } from 'node:crypto'
import { encodeClientAnnounce } from '../../tracker/protocol/encode.ts'
import { RawClient, clientTextFrame } from '../common/raw-ws.ts'

/** Commands the orchestrator sends. */
export type LoaderCommand =
  | { cmd: 'connect'; port: number; count: number; firstIndex: number; swarms: number; offers: number; srcIps: string[]; memberships?: number }
  | { cmd: 'announce'; rounds: number; timeoutMs: number }
  | { cmd: 'close' }

/** Replies to the orchestrator. */
export interface LoaderReply {
  ok: boolean
  connected?: number
  failed?: number
  firstError?: string
  announces?: number
  replies?: number
  offersReceived?: number
  ms?: number
}

/** info_hash the way p2p-media-loader 2.3 derives it: base64 of 15 bytes of SHA-1 (20 ASCII chars). */
export function benchInfoHash(swarm: number): string {
  return createHash('sha1').update(`v2-bench-swarm-${swarm}-main-0`).digest().subarray(0, 15).toString('base64')
}

/** A plausible ~2 KB non-trickle offer SDP (data channel, host and srflx candidates). */
export function benchSdp(seed: number): string {
  const lines = [
    'v=0',
    `o=- ${4611731400430051336n + BigInt(seed)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
  ]
  for (let i = 0; i < 8; i++) lines.push(`a=candidate:${1000 + i} 1 udp ${2122260223 - i} 192.168.${i}.${10 + (seed % 200)} ${50000 + i} typ host generation 0 network-id ${i + 1} network-cost 10`)
  for (let i = 0; i < 4; i++) lines.push(`a=candidate:${2000 + i} 1 udp 1686052607 203.0.113.${i + 1} ${51000 + i} typ srflx raddr 192.168.${i}.10 rport ${50000 + i} generation 0 network-id ${i + 1}`)
  lines.push(
    'a=ice-ufrag:Ab3x',
    'a=ice-pwd:Yk3n6d0b1o2p3q4r5s6t7u8v',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:79:F2',
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  )
  return `${lines.join('\r\n')}\r\n`
}

const UPGRADE_TIMEOUT_MS = 10_000
// A dropped connection shows as `ws.closed`; nothing else to do when it goes.
const noop = (): void => undefined

function binaryId(): string {
  return randomBytes(20).toString('latin1')
}

interface Member {
  ws: RawClient
  frame: Buffer
  awaiting: boolean
}

const members: Member[] = []
let replies = 0
let offersReceived = 0
let waitingReplies = 0
let onAllReplies: (() => void) | undefined

const REPLY_MARK = Buffer.from('"interval"')

function onText(m: { awaiting: boolean } | undefined, payload: Buffer): void {
  if (payload.indexOf(REPLY_MARK) >= 0) {
    replies++
    if (m?.awaiting === true) {
      m.awaiting = false
      if (--waitingReplies === 0) onAllReplies?.()
    }
  } else offersReceived++
}

async function connectAll(c: Extract<LoaderCommand, { cmd: 'connect' }>): Promise<LoaderReply> {
  let failed = 0
  let firstError: string | undefined
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < c.count) {
      const i = c.firstIndex + next++
      const holder: { m?: Member } = {}
      try {
        const ws = await RawClient.open(c.port, '/', c.srcIps[i % c.srcIps.length] ?? '127.0.0.1', { text: (p) => onText(holder.m, p), closed: noop }, '', UPGRADE_TIMEOUT_MS)
        const infoHash = benchInfoHash(i % c.swarms)
        const peerId = `-PM0203-${randomBytes(6).toString('hex')}`
        const sdp = benchSdp(i)
        const offers = Array.from({ length: c.offers }, () => ({ offerId: binaryId(), offer: { type: 'offer' as const, sdp } }))
        const join = clientTextFrame(Buffer.from(encodeClientAnnounce({ infoHash, peerId, event: 'started', numwant: c.offers, offers })))
        const frame = clientTextFrame(Buffer.from(encodeClientAnnounce({ infoHash, peerId, numwant: c.offers, offers })))
        const m: Member = { ws, frame, awaiting: false }
        holder.m = m
        members.push(m)
        ws.write(join)
        // Extra memberships on the same connection, as a viewer in several swarms (video + audio).
        for (let k = 1; k < (c.memberships ?? 1); k++) {
          const extra = encodeClientAnnounce({ infoHash: benchInfoHash((i + k * 7919) % c.swarms), peerId, event: 'started', numwant: 0, offers: [] })
          ws.write(clientTextFrame(Buffer.from(extra)))
        }
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
  return { ok: true, connected: c.count - failed, failed, ...(firstError !== undefined ? { firstError } : {}) }
}

async function announceRounds(rounds: number, timeoutMs: number): Promise<LoaderReply> {
  const start = performance.now()
  let announces = 0
  for (let r = 0; r < rounds; r++) {
    const live = members.filter((m) => !m.ws.closed)
    waitingReplies = live.length
    const done = new Promise<void>((resolve) => {
      onAllReplies = resolve
      setTimeout(resolve, timeoutMs).unref()
    })
    for (const m of live) {
      m.awaiting = true
      m.ws.write(m.frame)
      announces++
    }
    await done
  }
  return { ok: true, announces, replies, offersReceived, ms: performance.now() - start }
}

process.on('message', (msg: LoaderCommand) => {
  const reply = (r: LoaderReply): void => {
    process.send?.(r)
  }
  if (msg.cmd === 'connect') connectAll(msg).then(reply, (err: unknown) => reply({ ok: false, firstError: String(err) }))
  else if (msg.cmd === 'announce') announceRounds(msg.rounds, msg.timeoutMs).then(reply, (err: unknown) => reply({ ok: false, firstError: String(err) }))
  else {
    for (const m of members) m.ws.destroy()
    members.length = 0
    reply({ ok: true })
  }
})
process.on('disconnect', () => process.exit(0))
