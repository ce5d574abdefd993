import { describe, expect, it } from 'vitest'
import { defaultConfig, eventUrls, loadClientConfig, parseAngles, resolveConfig } from './client-config.ts'

const fallback = defaultConfig({ hostname: 'example.test', protocol: 'http:' })

describe('client config', () => {
  it('defaults sit next to the page host', () => {
    expect(fallback).toEqual({ originBaseUrl: 'http://example.test:8081', trackerUrls: ['ws://example.test:8000'], iceServers: [] })
    expect(defaultConfig({ hostname: 'h', protocol: 'https:' }).trackerUrls).toEqual(['wss://h:8000'])
  })

  it('takes valid server fields and ignores bad ones', () => {
    const c = resolveConfig({ originBaseUrl: 'http://o:1/', trackerUrls: ['ws://t:2', 'http://bad', 7], iceServers: [{ urls: 'stun:s:3' }, { nope: 1 }] }, new URLSearchParams(), fallback)
    expect(c).toEqual({ originBaseUrl: 'http://o:1', trackerUrls: ['ws://t:2'], iceServers: [{ urls: ['stun:s:3'] }] })
    expect(resolveConfig({ originBaseUrl: 'javascript:alert(1)' }, new URLSearchParams(), fallback).originBaseUrl).toBe(fallback.originBaseUrl)
  })

  it('query parameters win', () => {
    const q = new URLSearchParams('origin=http://q:9&tracker=ws://a:1&tracker=ws://b:2&ice=stun:x:1')
    expect(resolveConfig({ originBaseUrl: 'http://o:1' }, q, fallback)).toEqual({
      originBaseUrl: 'http://q:9', trackerUrls: ['ws://a:1', 'ws://b:2'], iceServers: [{ urls: 'stun:x:1' }],
    })
  })

  it('falls back when /api/client-config is missing', async () => {
    const fetchFn = (() => Promise.resolve(new Response('nope', { status: 404 }))) as typeof fetch
    const c = await loadClientConfig(fetchFn, { search: '?tracker=ws://t:1', hostname: 'h', protocol: 'http:' } as Location)
    expect(c).toEqual({ originBaseUrl: 'http://h:8081', trackerUrls: ['ws://t:1'], iceServers: [] })
  })

  it('builds origin URLs with encoded names', () => {
    const u = eventUrls('http://o', 'my-event')
    expect(u.angles).toBe('http://o/live/my-event/angles.json')
    expect(u.master('wide')).toBe('http://o/live/my-event/wide/master.m3u8')
  })

  it('parses angles.json defensively', () => {
    expect(parseAngles([{ id: 'a', label: 'A', live: true }, { id: '../x' }, { id: 'b' }, 'junk', { id: 'c', live: false }]))
      .toEqual([{ id: 'a', label: 'A', live: true }, { id: 'b', label: 'b', live: true }, { id: 'c', label: 'c', live: false }])
    expect(parseAngles({})).toEqual([])
    expect(parseAngles({ event: 'demo', angles: [{ id: 'wide', label: 'Wide', live: true }] })).toEqual([{ id: 'wide', label: 'Wide', live: true }])
  })
})
