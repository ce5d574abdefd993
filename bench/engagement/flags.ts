// Flags of `npm run bench -- engagement`: defaults are issue #10's targets; smaller runs for development.

/** Everything a run is parameterised by. */
export interface BenchFlags {
  /** WebSocket subscribers over both instances. */
  subscribers: number
  /** Accounts that vote (each subscriber socket is a signed-in viewer; voters are the first ones). */
  voters: number
  /** Length of each rate phase, seconds. */
  seconds: number
  /** Votes per second of the 1× phase. */
  baseRate: number
  /** Rate phases as multiples of the base rate. */
  multipliers: number[]
  /** One wave of votes every this many ms. */
  waveMs: number
  /** Longest wait after a rate phase for every subscriber to show its last wave. */
  drainMs: number
  /** Subscriber sockets per load process (each holds one descriptor per socket; the limit is 20,000). */
  perLoader: number
  /** Upgrades in flight per load process. */
  concurrency: number
  /** Moderator deletes measured. */
  deletes: number
  /** Chat items per second generated during the reconnect storm. */
  stormRate: number
  /** Chat accounts generating them (each may send 20 per 30 s). */
  chatters: number
  /** Every n-th voter of the throughput phase votes twice (0: none). */
  duplicateEvery: number
  /** How our subscriber sockets sign in: the session cookie (browser viewers) or a realtime token (overlays, bots). */
  auth: 'cookie' | 'token'
  /** Gateway transport of our instances. */
  transport: 'uws' | 'ws'
  databaseUrl: string
  redisUrl: string
  /** Our phases to run (development runs leave some out): rates, burst, deletes, storm. */
  phases: string[]
  /** Run only one side. */
  only: 'ours' | 'baseline' | ''
  /** The baseline is stopped when its processes' RSS passes this many MiB (a broadcast per vote can fill the machine). */
  baselineRssCapMb: number
  /** Set when the base rate was lowered so that every phase has fresh voters. */
  baseRateAdjustedFrom?: number
}

const NUMERIC: Record<string, keyof BenchFlags> = {
  subscribers: 'subscribers',
  voters: 'voters',
  seconds: 'seconds',
  'base-rate': 'baseRate',
  'wave-ms': 'waveMs',
  'drain-ms': 'drainMs',
  'per-loader': 'perLoader',
  concurrency: 'concurrency',
  deletes: 'deletes',
  'storm-rate': 'stormRate',
  chatters: 'chatters',
  'duplicate-every': 'duplicateEvery',
  'baseline-rss-cap-mb': 'baselineRssCapMb',
}

/** Parses `args` (after the suite name); unknown flags are refused. */
export function parseFlags(args: string[]): BenchFlags {
  const f: BenchFlags = {
    subscribers: 20_000,
    voters: 20_000,
    seconds: 5,
    baseRate: 2,
    multipliers: [1, 10, 100],
    waveMs: 100,
    drainMs: 10_000,
    perLoader: 5000,
    concurrency: 64,
    deletes: 20,
    stormRate: 10,
    chatters: 32,
    duplicateEvery: 50,
    transport: 'uws',
    auth: 'cookie',
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: 'redis://127.0.0.1:6379',
    only: '',
    phases: ['rates', 'burst', 'deletes', 'storm'],
    baselineRssCapMb: 3000,
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ''
    if (a === '--json') continue
    const name = a.replace(/^--/, '')
    const value = args[++i]
    if (value === undefined) throw new Error(`${a} needs a value`)
    const key = NUMERIC[name]
    if (key !== undefined) {
      const v = Number(value)
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} must be a non-negative number`)
      ;(f as unknown as Record<string, number>)[key] = v
    } else if (name === 'multipliers') f.multipliers = value.split(',').map(Number)
    else if (name === 'transport' && (value === 'uws' || value === 'ws')) f.transport = value
    else if (name === 'auth' && (value === 'cookie' || value === 'token')) f.auth = value
    else if (name === 'only' && (value === 'ours' || value === 'baseline')) f.only = value
    else if (name === 'phases') f.phases = value.split(',').filter((p) => ['rates', 'burst', 'deletes', 'storm'].includes(p))
    else if (name === 'database-url') f.databaseUrl = value
    else if (name === 'redis-url') f.redisUrl = value
    else throw new Error(`unknown flag ${a} ${value}`)
  }
  if (f.multipliers.some((m) => !(m > 0))) throw new Error('--multipliers must be positive numbers, e.g. 1,10,100')
  f.subscribers = Math.floor(f.subscribers)
  f.voters = Math.floor(f.voters)
  f.perLoader = Math.max(100, Math.floor(f.perLoader))
  f.waveMs = Math.max(10, f.waveMs)
  f.stormRate = Math.max(0.5, f.stormRate)
  f.chatters = Math.max(1, Math.floor(f.chatters))
  // Every rate phase votes with accounts that have not voted on the poll yet.
  const needed = f.baseRate * f.seconds * f.multipliers.reduce((s, m) => s + m, 0)
  if (needed > f.voters) {
    f.baseRateAdjustedFrom = f.baseRate
    f.baseRate = Math.floor((f.voters / (f.seconds * f.multipliers.reduce((s, m) => s + m, 0))) * 100) / 100
  }
  return f
}
