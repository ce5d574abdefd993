/**
 * Bench child process: hammers GET requests for the given paths over keep-alive connections to
 * 127.0.0.1 for a bounded time, then reports the count over IPC. Runs apart from both servers.
 *
 * IPC in:  { port, paths, connections, durationMs }
 * IPC out: { requests, bytes, errors, non200, elapsedMs }
 */
import { openMany, wallMs } from './raw-http.ts'

interface Job {
  port: number
  paths: string[]
  connections: number
  durationMs: number
}

process.once('message', (job: Job) => {
  void run(job).then((r) => {
    process.send?.(r)
  })
})

async function run(job: Job): Promise<{ requests: number; bytes: number; errors: number; non200: number; elapsedMs: number }> {
  const conns = await openMany(job.port, job.connections)
  const start = wallMs()
  const stopAt = start + job.durationMs
  let requests = 0
  let bytes = 0
  let errors = 0
  let non200 = 0
  let next = 0
  await Promise.all(
    conns.map(async (c) => {
      while (wallMs() < stopAt) {
        const path = job.paths[next++ % job.paths.length] ?? '/'
        try {
          const r = await c.get(path)
          requests++
          bytes += r.bodyBytes
          if (r.status !== 200) non200++
        } catch {
          errors++
          return
        }
      }
    }),
  )
  const elapsedMs = wallMs() - start
  for (const c of conns) c.close()
  return { requests, bytes, errors, non200, elapsedMs }
}
