// Child processes of the engagement bench: forking TypeScript with IPC, the load processes as one group, /proc figures.
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { cpuTimes, memoryBytes } from '../tracker/index.ts'
import type { ConnSpec, LoaderCmd, LoaderReply, LoaderRequest } from './loader-protocol.ts'
import { bundleServer } from './bundle.ts'

export { cpuTimes, memoryBytes }

const here = dirname(fileURLToPath(import.meta.url))

/** Forks `bench/engagement/<file>` under tsx (in-process, so the pid is the program's) with IPC (the load processes). */
export function forkChild(file: string, args: string[] = [], env: Record<string, string> = {}, quiet = false): ChildProcess {
  return fork(join(here, file), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  })
}

const bundles = new Map<string, Promise<string>>()

/**
 * Forks a measured server program (`instance-proc.ts`, `baseline-proc.ts`) from its esbuild bundle
 * (bundle.ts: plain JavaScript, no tsx loader thread in the process), built once per run.
 */
export async function forkServer(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<ChildProcess> {
  let out = bundles.get(file)
  if (out === undefined) bundles.set(file, (out = bundleServer(file)))
  const prof = process.env.BENCH_CPU_PROF_DIR
  return fork(await out, args, {
    execArgv: ['--expose-gc', ...(prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

/** Sends `msg` (if any) and resolves with the next IPC message for which `accept` holds. */
export function ipc<T>(child: ChildProcess, msg: unknown, accept: (m: unknown) => boolean = () => true, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer)
      child.off('message', on)
      child.off('exit', exited)
      reject(err)
    }
    const timer = setTimeout(() => fail(new Error(`no answer from child ${String(child.pid)} within ${String(timeoutMs)} ms`)), timeoutMs)
    const exited = (code: number | null): void => fail(new Error(`child ${String(child.pid)} exited (${String(code)}) before answering`))
    const on = (m: unknown): void => {
      if (!accept(m)) return
      clearTimeout(timer)
      child.off('message', on)
      child.off('exit', exited)
      resolve(m as T)
    }
    child.on('message', on)
    child.once('exit', exited)
    if (msg !== undefined) child.send(msg as object)
  })
}

/** Resolves with the child's `{ type: 'ready' }` message. */
export function ready<T>(child: ChildProcess, timeoutMs = 180_000): Promise<T> {
  return ipc<T>(child, undefined, (m) => (m as { type?: string }).type === 'ready', timeoutMs)
}

/** A server's memory after a full collection. */
export interface SettledMemory {
  rss: number
  /**
   * Anonymous RSS less the V8 heap that is committed but free (heapTotal − heapUsed): V8 returns
   * such pages to the system only seconds after a burst, and file-backed and shared pages move on
   * their own, so raw RSS after a connection burst can even be higher with fewer sockets. Native
   * memory (uWS, sockets, buffers) and live JS objects stay counted.
   */
  live: number
  rssAnon: number
  heapUsed: number
  heapTotal: number
}

function rssAnonBytes(pid: number): number {
  const kb = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1]
  return Number(kb ?? 0) * 1024
}

/**
 * Memory of a child that answers `{ cmd: 'gc' }` with `process.memoryUsage()` after two full GCs,
 * once it has settled.
 */
export async function settledMemory(child: ChildProcess): Promise<SettledMemory> {
  const gc = (): Promise<{ rss: number; heapTotal: number; heapUsed: number }> => ipc(child, { cmd: 'gc' }, (x) => (x as { type?: string }).type === 'gc', 60_000)
  // V8 gives free pages back some seconds after a burst, and other threads (tsx's loader) shrink on
  // their own: collect until anonymous RSS stays within 1 MiB for one step (at most 30 s).
  let m = await gc()
  let rssAnon = rssAnonBytes(child.pid ?? 0)
  for (let i = 0; i < 15; i++) {
    await sleep(2000)
    m = await gc()
    const now = rssAnonBytes(child.pid ?? 0)
    const stable = Math.abs(now - rssAnon) < 2 ** 20
    rssAnon = now
    if (stable) break
  }
  return { rss: m.rss, live: rssAnon - (m.heapTotal - m.heapUsed), rssAnon, heapUsed: m.heapUsed, heapTotal: m.heapTotal }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every child has exited. */
export async function stopAll(children: ChildProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          c.once('exit', () => resolve())
          c.kill('SIGTERM')
          setTimeout(() => c.kill('SIGKILL'), graceMs).unref()
        }),
    ),
  )
}

/** User + system CPU seconds of the processes together. */
export function cpuSecondsOf(pids: number[]): number {
  return pids.reduce((s, pid) => {
    const t = cpuTimes(pid)
    return s + (t.user + t.sys) / 1e6
  }, 0)
}

/** Sum of the processes' RSS, bytes. */
export const rssOf = (pids: number[]): number => pids.reduce((s, pid) => s + memoryBytes(pid).rss, 0)

/** The machine's load averages (1, 5, 15 min) from /proc/loadavg. */
export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
}

/** The load processes as one group: connection `g` lives in process `g % size`. */
export class Loaders {
  readonly procs: ChildProcess[]
  private nextId = 1

  constructor(readonly size: number) {
    this.procs = Array.from({ length: size }, () => forkChild('subscriber-proc.ts', [], {}, true))
  }

  /** Sends one command to every process (or `perProc(i)` to process i) and gathers the replies. */
  async all(cmd: LoaderCmd | ((i: number) => LoaderCmd), timeoutMs = 600_000): Promise<LoaderReply[]> {
    const id = this.nextId++
    const replies = await Promise.all(
      this.procs.map((p, i) => ipc<LoaderReply>(p, { ...(typeof cmd === 'function' ? cmd(i) : cmd), id } satisfies LoaderRequest, (m) => (m as LoaderReply).id === id, timeoutMs)),
    )
    const bad = replies.find((r) => !r.ok)
    if (bad !== undefined) throw new Error(`load process failed: ${bad.error ?? '?'}`)
    return replies
  }

  /** Opens `specs[g]` for every g, each in its process, `concurrency` upgrades at a time per process. */
  connect(mode: 'ours' | 'baseline', specs: ConnSpec[], srcIps: string[], concurrency: number): Promise<LoaderReply[]> {
    return this.all((i) => ({ cmd: 'connect', mode, conns: specs.filter((s) => s.g % this.size === i), srcIps, concurrency }))
  }

  /** CPU seconds the load processes used so far. */
  cpuSeconds(): number {
    return cpuSecondsOf(this.procs.map((p) => p.pid ?? 0))
  }

  /** Ends every load process. */
  stop(): Promise<void> {
    return stopAll(this.procs, 3000)
  }
}

/** Sums the answers of several load processes. */
export function sumAnswers(list: ({ acked: number; errors: Record<string, number>; unanswered: number } | undefined)[]): { acked: number; errors: Record<string, number>; unanswered: number } {
  const out = { acked: 0, errors: {} as Record<string, number>, unanswered: 0 }
  for (const a of list) {
    if (a === undefined) continue
    out.acked += a.acked
    out.unanswered += a.unanswered
    for (const [k, v] of Object.entries(a.errors)) out.errors[k] = (out.errors[k] ?? 0) + v
  }
  return out
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
