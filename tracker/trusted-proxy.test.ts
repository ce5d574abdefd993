// X-Forwarded-For and the locality header over both transports: believed only from a trusted proxy, seen through cell placement.
import { connect } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { startTracker, type RunningTracker } from './server.ts'
import { loadTrackerConfig } from './config.ts'
import { RawClient } from './test-client.ts'
import { encodeClientAnnounce } from './protocol/encode.ts'
import { createLogger } from '../common/log.ts'

const LOCALITY = 'x-edge-locality'
const id = (s: string): string => s.padEnd(20, '.')

/** Upgrades over raw TCP with exactly these header lines (duplicates included), sends one announce and returns the reply. */
function rawAnnounce(port: number, headerLines: string[], frame: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let upgraded = false
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('no reply'))
    }, 5000)
    socket.on('error', reject)
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        if (!buf.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(buf.subarray(0, end).toString()))
        upgraded = true
        buf = buf.subarray(end + 4)
        const payload = Buffer.from(frame)
        const mask = Buffer.from([1, 2, 3, 4])
        const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
        socket.write(Buffer.concat([head, mask, payload.map((b, i) => b ^ (mask[i % 4] ?? 0))]))
      }
      // Server frames are unmasked: opcode byte, then a 7-bit or 16-bit length.
      if (buf.length < 2) return
      const short = (buf[1] ?? 0) & 0x7f
      const [len, at] = short === 126 ? [buf.readUInt16BE(2), 4] : [short, 2]
      if (buf.length < at + len) return
      clearTimeout(timer)
      socket.destroy()
      resolve(JSON.parse(buf.subarray(at, at + len).toString('latin1')) as Record<string, unknown>)
    })
    const key = 'dGhlIHNhbXBsZSBub25jZQ=='
    socket.write(`GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`)
  })
}

/**
 * Builds a swarm of two cells (cellMaxPeers 3) where the first holds one peer of locality X and
 * the second two of locality Z, then joins G with locality X. G lands in X's cell (incomplete 2)
 * only when the tracker believed the headers that name the localities; if it ignores them, every
 * peer shares 127.0.0.1's locality, whose current cell is the second (incomplete 3).
 */
async function placementOfG(
  port: number,
  headersOf: (locality: 'X' | 'Y' | 'Z') => Record<string, string>,
  ih: string,
  rawLinesOfG?: string[],
): Promise<unknown> {
  const url = `ws://127.0.0.1:${port}/`
  const clients = new Map<string, RawClient>()
  const join = async (name: string, locality: 'X' | 'Y' | 'Z', event?: 'stopped'): Promise<number> => {
    const c = clients.get(name) ?? (await RawClient.connect(url, headersOf(locality)))
    clients.set(name, c)
    c.send(encodeClientAnnounce({ infoHash: ih, peerId: id(name), offers: [], ...(event !== undefined ? { event } : {}) }))
    return (await c.next((f) => f.interval !== undefined)).incomplete as number
  }
  try {
    await join('A', 'X')
    await join('B', 'Y')
    await join('C', 'Y')
    await join('D', 'Z')
    await join('E', 'Z')
    await join('B', 'Y', 'stopped')
    await join('C', 'Y', 'stopped')
    if (rawLinesOfG !== undefined) return (await rawAnnounce(port, rawLinesOfG, encodeClientAnnounce({ infoHash: ih, peerId: id('G'), offers: [] }))).incomplete
    return await join('G', 'X')
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()))
  }
}

const byHeader = (l: string): Record<string, string> => ({ [LOCALITY]: l })
// One /16 per locality, so the address-prefix locality separates them too.
const byForwardedFor = (l: string): Record<string, string> => ({ 'x-forwarded-for': `198.51.100.7, 10.${l.charCodeAt(0)}.3.4` })

describe.each(['uws', 'ws'] as const)('trusted proxies over %s', (transport) => {
  const trackers: RunningTracker[] = []
  const start = async (trustedProxies: string[]): Promise<number> => {
    const t = await startTracker(
      loadTrackerConfig({ overrides: { port: 0, host: '127.0.0.1', transport, allowedOrigins: ['*'], cellMaxPeers: 3, localityHeader: LOCALITY, trustedProxies } }),
      createLogger('t', 'silent'),
    )
    trackers.push(t)
    return t.port
  }
  afterAll(async () => {
    await Promise.all(trackers.map((t) => t.close()))
  })

  it('believes the locality header from a trusted proxy only', async () => {
    expect(await placementOfG(await start(['127.0.0.0/8']), byHeader, id('ih-header-trusted'))).toBe(2)
    expect(await placementOfG(await start([]), byHeader, id('ih-header-open'))).toBe(3)
    expect(await placementOfG(await start(['10.0.0.0/8', '::1']), byHeader, id('ih-header-other'))).toBe(3)
  })

  it('believes X-Forwarded-For from a trusted proxy only', async () => {
    expect(await placementOfG(await start(['127.0.0.1']), byForwardedFor, id('ih-xff-trusted'))).toBe(2)
    expect(await placementOfG(await start([]), byForwardedFor, id('ih-xff-open'))).toBe(3)
  })

  it('reads every X-Forwarded-For line: a forged first line does not win over the proxy-added last one', async () => {
    // G claims locality X in its own line; the trusted proxy adds a second line with G's real address (locality Z).
    const lines = [`x-forwarded-for: 10.${'X'.charCodeAt(0)}.3.4`, `x-forwarded-for: 10.${'Z'.charCodeAt(0)}.3.4`]
    expect(await placementOfG(await start(['127.0.0.1']), byForwardedFor, id('ih-xff-lines'), lines)).toBe(3)
  })
})
