// Hostile HTTP request lines sent over raw TCP to both transports: each gets a 4xx or a closed socket, and the tracker keeps serving.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTracker, type RunningTracker } from './server.ts'
import { loadTrackerConfig } from './config.ts'
import { RawClient } from './test-client.ts'
import { encodeClientAnnounce } from './protocol/encode.ts'
import { createLogger } from '../common/log.ts'

const TARGETS: [string, string][] = [
  ['a host with two colons', '//a:b:c'],
  ['an unclosed IPv6 authority', 'http://[::1'],
  ['the asterisk form', '*'],
  ['a 16 KB path', `/${'a'.repeat(16 * 1024)}`],
  ['a NUL byte, percent-encoded', '/e/%00/announce'],
  ['invalid percent-encoding', '/e/%zz%/announce?token=%%'],
  ['a network-path reference to a real route', '//evil.example/health'],
  ['an empty query on a bad path', '/e/?'],
]

const APP = 'https://app.example'
const UPGRADE = `origin: ${APP}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n`

/**
 * Sends one raw request; resolves with the status line, or 'closed' when the server closed the
 * socket without one. uWS never routes a target that does not start with '/' and leaves the socket
 * to its 10 s HTTP idle timeout, hence the long wait.
 */
function rawRequest(port: number, target: string, upgrade: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer and no close for ${target.slice(0, 40)}`))
    }, 20_000)
    const done = (result: string): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      const line = got.indexOf('\r\n')
      if (line >= 0) done(got.slice(0, line))
    })
    socket.on('error', () => done('closed'))
    socket.on('close', () => done(got === '' ? 'closed' : got.split('\r\n')[0] ?? 'closed'))
    socket.write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\n${upgrade ? UPGRADE : ''}\r\n`)
  })
}

describe.each(['uws', 'ws'] as const)('hostile request lines over %s', (transport) => {
  let tracker: RunningTracker
  beforeAll(async () => {
    tracker = await startTracker(loadTrackerConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', transport, allowedOrigins: [APP] } }), createLogger('t', 'silent'))
  })
  afterAll(async () => {
    await tracker.close()
  })

  it.concurrent.each(TARGETS)(
    '%s: plain and upgrade requests get a 4xx or a closed socket',
    async (_name, target) => {
      const answers = await Promise.all([false, true].map((upgrade) => rawRequest(tracker.port, target, upgrade)))
      for (const answer of answers) expect(answer === 'closed' || /^HTTP\/1\.1 4\d\d/.test(answer), answer).toBe(true)
    },
    30_000,
  )

  it('still serves /health and a real announce afterwards', async () => {
    const health = await fetch(`http://127.0.0.1:${tracker.port}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'tracker' })
    const client = await RawClient.connect(`ws://127.0.0.1:${tracker.port}/e/after-hostile`, { origin: APP })
    try {
      const ih = 'h'.repeat(20)
      client.send(encodeClientAnnounce({ infoHash: ih, peerId: 'p'.repeat(20), event: 'started', offers: [] }))
      expect(await client.next((f) => f.interval !== undefined)).toMatchObject({ action: 'announce', info_hash: ih, incomplete: 1 })
    } finally {
      await client.close()
    }
  })
})
