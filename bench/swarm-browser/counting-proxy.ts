import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A pass-through HTTP proxy on an ephemeral 127.0.0.1 port that counts response bytes: stands where a
 * CDN edge would and measures origin egress for the benchmark. Long-held (blocking) requests pass
 * through untouched.
 */

/** A running proxy. */
export interface CountingProxy {
  baseUrl: string
  egressBytes(): number
  close(): Promise<void>
}

/** Proxies every request to `target` (`http://127.0.0.1:port`). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const t = new URL(target)
  let bytes = 0
  const server = createServer((req, res) => {
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.on('data', (d: Buffer) => { bytes += d.byteLength })
      r.pipe(res)
    })
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end() })
    res.on('close', () => up.destroy())
    req.pipe(up)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()))
  const port = (server.address() as AddressInfo).port
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    egressBytes: () => bytes,
    close: () => {
      server.closeAllConnections()
      return new Promise((ok) => server.close(() => ok()))
    },
  }
}
