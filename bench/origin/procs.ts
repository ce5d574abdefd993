/**
 * Process helpers for the origin bench: CPU seconds from /proc, forking TypeScript children with
 * IPC, and nginx with a throw-away config on 127.0.0.1.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import uWS from 'uWebSockets.js'

const CLK_TCK = 100

/** User + system CPU seconds of a live process (utime and stime, fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Forks a .ts file under tsx with an IPC channel. */
export function forkTs(file: string): ChildProcess {
  return fork(file, [], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

/** Sends `msg` (if any) and resolves with the first IPC message of `type` (or any, when omitted). */
export function ipc<T>(child: ChildProcess, msg: unknown, type?: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on)
      reject(new Error(`no ${type ?? 'answer'} from child within ${timeoutMs} ms`))
    }, timeoutMs)
    const on = (m: unknown): void => {
      if (type !== undefined && (m as { type?: string }).type !== type) return
      clearTimeout(timer)
      child.off('message', on)
      resolve(m as T)
    }
    child.on('message', on)
    if (msg !== undefined) child.send(msg as object)
  })
}

/** A free TCP port on 127.0.0.1 right now (nginx needs a number up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** A running nginx serving `root` on 127.0.0.1:`port` from one process (no master, one worker). */
export interface Nginx {
  port: number
  pid: number
  stop(): Promise<void>
}

/** Starts Debian's nginx in the foreground with a temp config under `dir`. */
export async function startNginx(dir: string, root: string): Promise<Nginx> {
  const port = await freePort()
  await mkdir(join(dir, 'tmp'), { recursive: true })
  const conf = `
worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 65;
  open_file_cache max=1000 inactive=60s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { video/mp4 m4s mp4; application/vnd.apple.mpegurl m3u8; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { add_header Cache-Control "public, max-age=31536000, immutable"; add_header Access-Control-Allow-Origin "*"; }
  }
}
`
  await writeFile(join(dir, 'nginx.conf'), conf)
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] })
  const pid = child.pid
  if (pid === undefined) throw new Error('nginx did not start')
  // Wait until it accepts connections.
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    port,
    pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/**
 * For bench child processes: listens on 127.0.0.1 (ephemeral port), reports `{ type: 'ready', port }`
 * over IPC, and exits when the parent goes away.
 */
export function listenChild(app: uWS.TemplatedApp): void {
  app.listen('127.0.0.1', 0, (s) => {
    if (s === false) {
      console.error('listen failed')
      process.exit(1)
    }
    process.send?.({ type: 'ready', port: uWS.us_socket_local_port(s) })
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}
