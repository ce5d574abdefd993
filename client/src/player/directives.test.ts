import { describe, expect, it } from 'vitest'
import { stripDirectives, waitForCompleteSegment } from './directives.ts'

describe('stripDirectives', () => {
  it.each([
    ['http://o/a/index.m3u8', 'http://o/a/index.m3u8'],
    ['http://o/a/index.m3u8?_HLS_msn=12&_HLS_part=2&_HLS_skip=YES', 'http://o/a/index.m3u8'],
    ['http://o/a/index.m3u8?token=x&_HLS_msn=12', 'http://o/a/index.m3u8?token=x'],
    ['http://o/a/index.m3u8?_HLS_skip=YES&t=1#f', 'http://o/a/index.m3u8?t=1#f'],
  ])('%s', (url, want) => {
    expect(stripDirectives(url)).toBe(want)
  })
})

describe('waitForCompleteSegment', () => {
  it.each([
    ['http://o/i.m3u8?_HLS_msn=12&_HLS_part=2&_HLS_skip=YES', 'http://o/i.m3u8?_HLS_msn=13&_HLS_part=0&_HLS_skip=YES'],
    ['http://o/i.m3u8?_HLS_msn=12', 'http://o/i.m3u8?_HLS_msn=12'],
    ['http://o/i.m3u8?_HLS_skip=YES', 'http://o/i.m3u8?_HLS_skip=YES'],
    ['http://o/i.m3u8', 'http://o/i.m3u8'],
    ['http://o/i.m3u8?_HLS_msn=x&_HLS_part=1', 'http://o/i.m3u8?_HLS_msn=x&_HLS_part=1'],
  ])('%s', (url, want) => {
    expect(waitForCompleteSegment(url)).toBe(want)
  })
})
