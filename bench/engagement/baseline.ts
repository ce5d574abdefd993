// The baseline side of the engagement bench: two naive `ws` broadcast servers under the same subscribers and vote load.
import type { ChildProcess } from 'node:child_process'
import { forkServer, Loaders, ready, sleep, stopAll } from './procs.ts'
import { connectIdle, ratePhases, rssGuard, type IdleFigures, type RatePhaseResult } from './phases.ts'
import { dropRedisPrefix, runTag } from './setup.ts'
import type { ConnSpec } from './loader-protocol.ts'
import type { BenchFlags } from './flags.ts'

interface World {
  servers: { child: ChildProcess; pid: number; port: number }[]
  loaders: Loaders
  idle: IdleFigures
}

async function startWorld(f: BenchFlags, prefix: string): Promise<World> {
  const servers = await Promise.all(
    [0, 1].map(async () => {
      const child = await forkServer('baseline-proc.ts', [f.redisUrl, prefix])
      const r = await ready<{ port: number; pid: number }>(child)
      return { child, ...r }
    }),
  )
  const conns = Math.max(f.subscribers, f.voters)
  const loaders = new Loaders(Math.max(1, Math.ceil(conns / f.perLoader)))
  const L = loaders.size
  const specs: ConnSpec[] = Array.from({ length: conns }, (_, g) => ({ g, port: (servers[Math.floor(g / L) % servers.length] ?? servers[0])?.port ?? 0, path: '/', cookie: '' }))
  const idle = await connectIdle(loaders, 'baseline', specs, servers.map((s) => s.child), f.concurrency)
  return { servers, loaders, idle }
}

async function stopWorld(w: World): Promise<void> {
  await w.loaders.all({ cmd: 'close' }, 30_000).catch(() => undefined)
  await w.loaders.stop()
  await stopAll(w.servers.map((s) => s.child), 3000)
}

/**
 * Runs the baseline through the rate phases. A phase that overloads it (votes unanswered or
 * subscribers behind when the drain ends, or past the RSS cap) leaves a backlog, so the next phase
 * starts on fresh processes and sockets.
 */
export async function runBaseline(f: BenchFlags): Promise<Record<string, unknown>> {
  const prefix = `bench:${runTag()}:`
  let world: World | null = null
  try {
    world = await startWorld(f, prefix)
    const idle = world.idle
    const rates: RatePhaseResult[] = []
    for (const [i, m] of f.multipliers.entries()) {
      if (i > 0 && world === null) world = await startWorld(f, prefix)
      const w: World = world ?? (await startWorld(f, prefix))
      world = w
      const pids = w.servers.map((s) => s.pid)
      const kill = (): void => {
        for (const s of w.servers) s.child.kill('SIGKILL')
      }
      // One phase at a time on the shared driver, so both systems see the same waves.
      const voterOffset = rates.reduce((n, r) => n + r.votesSent, 0)
      const [r] = await ratePhases(w.loaders, { ...f, multipliers: [m] }, { pollId: `baseline-${String(m)}x`, options: ['o1', 'o2', 'o3', 'o4'] }, pids, () => rssGuard(pids, f.baselineRssCapMb * 2 ** 20, kill), voterOffset)
      if (r === undefined) break
      rates.push(r)
      if (r.stoppedBecause !== undefined || r.voteToScreen.missing > 0 || r.unanswered > 0) {
        await stopWorld(w)
        world = null
        await sleep(2000)
      }
    }
    const conns = Math.max(f.subscribers, f.voters)
    return { servers: 2, transport: 'ws', connections: conns, loadProcesses: Math.max(1, Math.ceil(conns / f.perLoader)), idle, rates }
  } finally {
    if (world !== null) await stopWorld(world)
    await dropRedisPrefix(f.redisUrl, prefix).catch((err: unknown) => console.error(`could not drop kv prefix ${prefix}: ${String(err)}`))
  }
}
