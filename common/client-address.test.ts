// Table tests for the trusted-proxy walk and address grouping.
import { describe, expect, it } from 'vitest'
import { Value } from 'typebox/value'
import { addressGroup, clientAddress, compileTrustedProxies, ipBytes, TrustedProxiesSchema } from './client-address.ts'

describe('ipBytes', () => {
  it.each([
    ['1.2.3.4', [1, 2, 3, 4]],
    ['::ffff:1.2.3.4', [1, 2, 3, 4]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['2001:db8::1', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
  ])('%s', (ip, bytes) => {
    expect([...(ipBytes(ip) ?? [])]).toEqual(bytes)
  })
  it.each(['', 'x', '1.2.3', '//a:b:c', '1.2.3.4.5', ':::'])('refuses %j', (ip) => {
    expect(ipBytes(ip)).toBeNull()
  })
})

describe('compileTrustedProxies', () => {
  const trusted = compileTrustedProxies(['10.0.0.0/8', '::1', 'fd00::/8'])
  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['11.0.0.1', false],
    ['::1', true],
    ['::2', false],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['garbage', false],
  ])('%s → %s', (ip, ok) => {
    expect(trusted(ip)).toBe(ok)
  })
  it('trusts nobody when empty', () => {
    expect(compileTrustedProxies([])('127.0.0.1')).toBe(false)
  })
  it.each(['10.0.0.0/33', 'nope', '::/129'])('throws on %s', (e) => {
    expect(() => compileTrustedProxies([e])).toThrow(e)
  })
  it('schema refuses non-address strings', () => {
    expect(Value.Check(TrustedProxiesSchema, ['10.0.0.0/8'])).toBe(true)
    expect(Value.Check(TrustedProxiesSchema, ['evil.example'])).toBe(false)
  })
})

describe('clientAddress', () => {
  const trusted = compileTrustedProxies(['127.0.0.1', '10.0.0.0/8'])
  it.each([
    ['untrusted peer ignores the header', '203.0.113.9', '1.1.1.1', '203.0.113.9'],
    ['trusted peer, one hop', '127.0.0.1', '198.51.100.7', '198.51.100.7'],
    ['trusted chain walked from the right', '127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.5', '198.51.100.7'],
    ['malformed hop stops the walk', '127.0.0.1', '6.6.6.6, //a:b:c', '127.0.0.1'],
    ['no header', '127.0.0.1', undefined, '127.0.0.1'],
    ['mapped peer', '::ffff:127.0.0.1', '198.51.100.7', '198.51.100.7'],
  ])('%s', (_name, remote, xff, want) => {
    expect(clientAddress(remote, xff, trusted)).toBe(want)
  })
})

describe('addressGroup', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:bbbb:cccc:dddd:eeee', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (ip, group) => {
    expect(addressGroup(ip)).toBe(group)
  })
})
