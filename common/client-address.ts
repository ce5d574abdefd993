// Client addresses behind proxies: the trusted-proxy list every service shares, and address grouping for limits.
import { isIP } from 'node:net'
import { Type } from 'typebox'

/**
 * Config key schema for `trustedProxies`: addresses or CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`)
 * whose `X-Forwarded-For` hop a service believes. Empty (the default) trusts no proxy, so the
 * socket's peer is the client.
 */
export const TrustedProxiesSchema = Type.Array(Type.String({ minLength: 2, maxLength: 49, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' }), {
  default: [],
  maxItems: 64,
})

interface Range {
  v6: boolean
  bytes: Uint8Array
  bits: number
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged (lower-cased). */
export function normalizeIp(ip: string): string {
  const t = ip.trim().toLowerCase()
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(t)
  return mapped?.[1] ?? t
}

/** The 16 (v6) or 4 (v4) bytes of an address, or null when it is not one. */
export function ipBytes(ip: string): Uint8Array | null {
  const a = normalizeIp(ip)
  const kind = isIP(a)
  if (kind === 4) return Uint8Array.from(a.split('.').map(Number))
  if (kind !== 6) return null
  let text = a
  let tail: number[] = []
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4 !== null) {
    tail = [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])]
    text = text.slice(0, v4.index) + '0:0'
  }
  const [head = '', rest] = text.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    const n = parseInt(g, 16)
    out[i * 2] = n >> 8
    out[i * 2 + 1] = n & 0xff
  })
  if (tail.length === 4) out.set(tail, 12)
  return out
}

function parseRange(entry: string): Range {
  const [addr = '', bitsText] = entry.split('/')
  const bytes = ipBytes(addr)
  if (bytes === null) throw new Error(`not an IP address or CIDR range: ${entry}`)
  const max = bytes.length * 8
  const bits = bitsText === undefined ? max : Number(bitsText)
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`bad prefix length in ${entry}`)
  return { v6: bytes.length === 16, bytes, bits }
}

function inRange(r: Range, b: Uint8Array): boolean {
  if ((b.length === 16) !== r.v6) return false
  for (let i = 0, left = r.bits; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff
    if (((b[i] ?? 0) & mask) !== ((r.bytes[i] ?? 0) & mask)) return false
  }
  return true
}

/** Compiles the trusted-proxy list once at start; throws (naming the entry) on a bad one. */
export function compileTrustedProxies(list: readonly string[]): (ip: string) => boolean {
  const ranges = list.map(parseRange)
  if (ranges.length === 0) return () => false
  return (ip) => {
    const b = ipBytes(ip)
    return b !== null && ranges.some((r) => inRange(r, b))
  }
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy, in which case the
 * `X-Forwarded-For` chain is walked from the right past trusted hops. A malformed hop stops the walk
 * at the last address we can vouch for, so a forged header never yields an arbitrary value.
 */
export function clientAddress(remote: string, forwardedFor: string | undefined, trusted: (ip: string) => boolean): string {
  let client = normalizeIp(remote)
  if (forwardedFor === undefined || forwardedFor === '' || !trusted(client)) return client
  const hops = forwardedFor.slice(0, 4096).split(',')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i] ?? '')
    if (isIP(hop) === 0) break
    client = hop
    if (!trusted(hop)) break
  }
  return client
}

/**
 * The unit that per-address limits count: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber usually holds a whole /64, so counting single v6 addresses is no limit at all).
 */
export function addressGroup(ip: string): string {
  const b = ipBytes(ip)
  if (b === null) return normalizeIp(ip)
  if (b.length === 4) return b.join('.')
  const groups: string[] = []
  for (let i = 0; i < 8; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16))
  return `${groups.join(':')}::/64`
}
