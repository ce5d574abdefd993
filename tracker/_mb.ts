import { parseClientMessage } from './protocol/messages.ts'
import { encodeClientAnnounce } from './protocol/encode.ts'
import { SwarmCore } from './core/swarm-core.ts'
import { encodeOutgoing } from './host.ts'
import { benchSdp } from '../bench/tracker/loader.ts'
import { randomBytes } from 'node:crypto'
const core = new SwarmCore({ intervalSec: 60, maxOffers: 5, cellMaxPeers: 1000, maxPeersPerConnection: 64, peerTtlSec: 135 })
const ih = 'abcdefghijklmnopqrst'
const frames: Uint8Array[] = []
for (let i = 0; i < 100; i++) {
  core.open(i, '', 'x')
  const pid = `-PM0203-${randomBytes(6).toString('hex')}`
  const offers = Array.from({ length: 5 }, () => ({ offerId: randomBytes(20).toString('latin1'), offer: { type: 'offer' as const, sdp: benchSdp(i) } }))
  frames.push(Buffer.from(encodeClientAnnounce({ infoHash: ih, peerId: pid, offers })))
}
console.log('frame bytes', frames[0]!.length)
function t(name: string, f: (i: number) => void, n = 50000) { for (let i = 0; i < 5000; i++) f(i); const s = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(i); console.log(name, (Number(process.hrtime.bigint() - s) / n / 1000).toFixed(2), 'us') }
t('parse', (i) => parseClientMessage(frames[i % 100]!))
t('parse+core', (i) => { const p = parseClientMessage(frames[i % 100]!); if (p.ok) core.handle(i % 100, p.message, 0, Math.random) })
t('parse+core+encode', (i) => { const p = parseClientMessage(frames[i % 100]!); if (p.ok) for (const o of core.handle(i % 100, p.message, 0, Math.random)) encodeOutgoing(o, 60) })
t('JSON.parse', (i) => JSON.parse(Buffer.from(frames[i % 100]!).toString()))
