import { execFileSync } from 'node:child_process'
import { get } from 'node:https'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTracker } from './server.ts'
import { loadTrackerConfig } from './config.ts'
import { RawClient } from './test-client.ts'
import { encodeClientAnnounce } from './protocol/encode.ts'
import { createLogger } from '../common/log.ts'

function httpsGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca: cert }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

// A self-signed certificate for 127.0.0.1, made by openssl for this run only.
let dir = ''
let cert = Buffer.alloc(0)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-tls-'))
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' })
  cert = readFileSync(join(dir, 'cert.pem'))
})
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

describe.each(['uws', 'ws'] as const)('wss on %s', (transport) => {
  it('serves the protocol over TLS and refuses a client that does not trust the certificate', async () => {
    const config = loadTrackerConfig({
      overrides: { port: 0, host: '127.0.0.1', transport, allowedOrigins: ['*'], tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') },
    })
    const tracker = await startTracker(config, createLogger('tracker-tls-test', 'silent'))
    const url = `wss://127.0.0.1:${tracker.port}/`
    try {
      expect(tracker.transport).toBe(transport)
      await expect(RawClient.connect(url)).rejects.toThrow(/self[- ]signed|certificate/i)
      const c = await RawClient.connect(url, {}, cert)
      c.send(encodeClientAnnounce({ infoHash: 'i'.repeat(20), peerId: 'p'.repeat(20), event: 'started', offers: [] }))
      expect(await c.next((f) => f.interval !== undefined)).toMatchObject({ action: 'announce', info_hash: 'i'.repeat(20), incomplete: 1 })
      // Plain HTTP endpoints are served over the same TLS listener.
      expect(await httpsGet(`https://127.0.0.1:${tracker.port}/health`)).toContain('"status":"ok"')
      await c.close()
    } finally {
      await tracker.close()
    }
  })
})
