// Load process of the engagement bench: holds thousands of subscriber sockets (some also vote), records what each one saw and when.
import { Histogram, WaveArrivals, addStormView, addWaveDelays, NO_STORM, type StormTotals } from './stats.ts'
import { RawClient } from '../common/raw-ws.ts'
import type { Answers, ConnSpec, LoaderCmd, LoaderReply, LoaderRequest } from './loader-protocol.ts'


const now = (): number => performance.timeOrigin + performance.now()
const POLL_HEAD = Buffer.from('{"type":"poll"')
const TOTAL = /"totalVotes":(\d+)/

interface Sub {
  g: number
  /** Position in `subs`. */
  i: number
  /** Bumped by every (re)connect, so a dropped socket's late close does not clear its successor. */
  gen: number
  spec: ConnSpec
  client: RawClient | null
  lastSeq: number
  resumed: boolean
  arrivals: WaveArrivals | null
  storm: Float64Array | null
  stormDup: number
  outOfOrder: number
  onHello: (() => void) | null
}

let mode: 'ours' | 'baseline' = 'ours'
let srcIps: string[] = ['127.0.0.1']
const subs: Sub[] = []
const byG = new Map<number, Sub>()
let pollMarker: Buffer | null = null
let windowEndMs = 0
let frames = 0
let framesByType: Record<string, number> = {}
let counting = false
let gaps = 0
let snapshots = 0
let stormTag = ''
let stormItems = 0
/** messageId → per local subscriber the arrival of its chat.deleted. */
const deletes = new Map<string, Float64Array>()
/** Outstanding votes by ref. */
const waiting = new Map<string, { dup: boolean; resolve: (outcome: string) => void }>()
let answers: Answers = { acked: 0, errors: {}, unanswered: 0 }
let dupAnswers: Answers = { acked: 0, errors: {}, unanswered: 0 }
let lastAnswerMs = 0

function typeOf(payload: Buffer): string {
  const m = /^\{"type":"([a-z.]+)"/.exec(payload.subarray(0, 32).toString('latin1'))
  return m?.[1] ?? 'other'
}

/** A storm chat item reached subscriber `s` at `t` (live, replayed, or in a snapshot, which repeats what was seen and is no duplicate). */
function stormItem(s: Sub, text: string, t: number, inSnapshot = false): void {
  if (s.storm === null || !text.startsWith(stormTag)) return
  const k = Number(text.slice(stormTag.length))
  if (!(k >= 0 && k < stormItems)) return
  if (Number.isNaN(s.storm[k] ?? 0)) s.storm[k] = t
  else if (!inSnapshot) s.stormDup++
}

function onText(s: Sub, payload: Buffer): void {
  const t = now()
  if (counting) {
    if (t <= windowEndMs) {
      frames++
      const ty = typeOf(payload)
      framesByType[ty] = (framesByType[ty] ?? 0) + 1
    } else counting = false
  }
  // Poll snapshots are most of the traffic: look only at the count of the poll under test.
  if (payload.subarray(0, POLL_HEAD.length).equals(POLL_HEAD)) {
    if (pollMarker !== null && s.arrivals !== null && payload.includes(pollMarker)) {
      const m = TOTAL.exec(payload.toString('latin1'))
      if (m?.[1] !== undefined) s.arrivals.seen(Number(m[1]), t)
    }
    return
  }
  const head = payload.subarray(0, 24).toString('latin1')
  if (head.startsWith('{"type":"presence"') || head.startsWith('{"type":"reactions"') || head.startsWith('{"type":"question.votes"')) return
  let msg: { type?: string; seq?: number; ref?: string; code?: string; messageId?: string; message?: { text?: string }; chat?: { text?: string }[] }
  try {
    msg = JSON.parse(payload.toString('utf8')) as typeof msg
  } catch {
    return
  }
  if (msg.type === 'hello') {
    if (!s.resumed) s.lastSeq = Math.max(s.lastSeq, msg.seq ?? 0)
    // Resume at once: ordered items flow without the gateway's wait for a resume.
    s.client?.send(JSON.stringify({ type: 'resume', afterSeq: s.lastSeq }))
    s.resumed = true
    s.onHello?.()
    s.onHello = null
    return
  }
  if (msg.type === 'ack' || (msg.type === 'error' && msg.ref !== undefined)) {
    const w = msg.ref === undefined ? undefined : waiting.get(msg.ref)
    if (w === undefined) return
    waiting.delete(msg.ref ?? '')
    const a = w.dup ? dupAnswers : answers
    if (msg.type === 'ack') a.acked++
    else a.errors[msg.code ?? '?'] = (a.errors[msg.code ?? '?'] ?? 0) + 1
    lastAnswerMs = t
    w.resolve(msg.type === 'ack' ? 'ack' : (msg.code ?? '?'))
    return
  }
  if (msg.type === 'gap') gaps++
  if (msg.type === 'snapshot') {
    // After a gap the client starts over from the snapshot: its chat counts as shown, its seq as the new start.
    snapshots++
    if (s.storm !== null) for (const m of msg.chat ?? []) stormItem(s, m.text ?? '', t, true)
    s.lastSeq = msg.seq ?? s.lastSeq
    return
  }
  if (typeof msg.seq === 'number') {
    if (msg.seq <= s.lastSeq) s.outOfOrder++
    else s.lastSeq = msg.seq
  }
  if (msg.type === 'chat' && s.storm !== null) stormItem(s, msg.message?.text ?? '', t)
  else if (msg.type === 'chat.deleted' && msg.messageId !== undefined) {
    let at = deletes.get(msg.messageId)
    if (at === undefined) deletes.set(msg.messageId, (at = new Float64Array(subs.length).fill(Number.NaN)))
    if (Number.isNaN(at[s.i] ?? 0)) at[s.i] = t
  }
}

/** Sockets the server closed (not the bench): each is counted and redialled once a second, resuming after its last seq, as the client app does. */
let dropped = 0
let closing = false
/** Server closes by "code reason". */
const dropsBy: Record<string, number> = {}

function redial(s: Sub): void {
  dropped++
  if (mode !== 'ours') return
  setTimeout(() => {
    if (closing || s.client !== null) return
    open(s).catch(() => {
      if (s.client === null && !closing) redial(s)
    })
  }, 1000).unref()
}

function open(s: Sub): Promise<void> {
  return new Promise((resolve, reject) => {
    const src = srcIps[s.g % srcIps.length] ?? '127.0.0.1'
    const timer = setTimeout(() => reject(new Error('no hello within 60 s')), 60_000)
    s.onHello = () => {
      clearTimeout(timer)
      resolve()
    }
    const gen = ++s.gen
    let mine: RawClient | null = null
    const closed = (): void => {
      if (s.gen !== gen) return
      s.client = null
      if (closing) return
      const why = `${String(mine?.closeCode ?? 1006)} ${mine?.closeReason ?? ''}`.trim()
      dropsBy[why] = (dropsBy[why] ?? 0) + 1
      if (process.env.BENCH_DEBUG === '1') console.error(`drop g=${String(s.g)} port=${String(s.spec.port)} ${why} at=${new Date().toISOString()} lastSeq=${String(s.lastSeq)}`)
      redial(s)
    }
    const opened = (c: RawClient): void => {
      s.client = c
      mine = c
    }
    RawClient.open(s.spec.port, s.spec.path, src, { opened, text: (p) => onText(s, p), closed }, s.spec.cookie).then(
      () => {
        // The baseline says nothing on connect; ours sends hello first.
        if (mode === 'baseline') s.onHello?.()
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err as Error)
      },
    )
  })
}

async function openAll(list: Sub[], concurrency: number): Promise<LoaderReply> {
  let next = 0
  let failed = 0
  let firstError: string | undefined
  let lastHelloMs = 0
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const s = list[next++] as Sub
      try {
        await open(s)
        lastHelloMs = now()
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return { ok: true, connected: list.length - failed, failed, lastHelloMs, ...(firstError !== undefined ? { firstError } : {}) }
}

/** Sends one vote; resolves with `ack`, the refusal's code, or `none` (no answer in time, or no socket). */
function vote(s: Sub, pollId: string, optionId: string, ref: string, dup: boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    if (s.client === null) {
      ;(dup ? dupAnswers : answers).unanswered++
      return resolve('none')
    }
    const timer = setTimeout(() => {
      if (waiting.delete(ref)) (dup ? dupAnswers : answers).unanswered++
      resolve('none')
    }, timeoutMs)
    waiting.set(ref, {
      dup,
      resolve: (outcome) => {
        clearTimeout(timer)
        resolve(outcome)
      },
    })
    s.client.send(JSON.stringify({ type: 'vote', pollId, optionId, ref }))
  })
}

const option = (options: string[], g: number): string => options[g % options.length] ?? 'o1'
const resetAnswers = (): void => {
  answers = { acked: 0, errors: {}, unanswered: 0 }
  dupAnswers = { acked: 0, errors: {}, unanswered: 0 }
  lastAnswerMs = 0
}

/**
 * A rate phase: every subscriber tracks the poll's total; this process's voters vote on their
 * wave's schedule. Replies once the last wave is sent; answers are counted in `phase-report`.
 */
async function phase(c: Extract<LoaderCmd, { cmd: 'phase' }>): Promise<LoaderReply> {
  resetAnswers()
  pollMarker = Buffer.from(`"id":"${c.pollId}"`)
  for (const s of subs) s.arrivals = new WaveArrivals(c.thresholds)
  frames = 0
  framesByType = {}
  windowEndMs = c.windowEndMs
  const sendAtMs = c.waves.map(() => Number.NaN)
  const startCounting = setTimeout(() => (counting = true), Math.max(0, c.startAtMs - now()))
  await Promise.all(
    c.waves.map(
      (w) =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              for (let g = w.from; g < w.to; g++) {
                const s = byG.get(g)
                if (s === undefined) continue
                if (Number.isNaN(sendAtMs[w.index] ?? 0)) sendAtMs[w.index] = now()
                void vote(s, c.pollId, option(c.options, g), `${c.pollId}:${String(g)}`, false, c.answerTimeoutMs)
              }
              resolve()
            },
            Math.max(0, c.startAtMs + w.atMs - now()),
          )
        }),
    ),
  )
  if (now() < c.startAtMs) clearTimeout(startCounting)
  return { ok: true, sendAtMs }
}

/** Votes still waiting for an answer are counted unanswered and forgotten. */
function giveUpWaiting(): void {
  for (const [ref, w] of waiting) {
    waiting.delete(ref)
    ;(w.dup ? dupAnswers : answers).unanswered++
    w.resolve('none')
  }
}

/** Delays of the last phase from the orchestrator's wave send times (the earliest over all processes). */
function phaseReport(sendAt: number[]): LoaderReply {
  const h = new Histogram()
  let missing = 0
  for (const s of subs) {
    if (s.arrivals !== null) missing += addWaveDelays(h, s.arrivals.at, sendAt)
    s.arrivals = null
  }
  pollMarker = null
  counting = false
  giveUpWaiting()
  return { ok: true, dropped, answers: { ...answers }, delays: h.toJSON(), missing, frames, framesByType: { ...framesByType }, subscribers: subs.filter((s) => s.client !== null).length }
}

/** Every voter of `[from, to)` here votes at once; every `duplicateEvery`-th also votes again, half at once and half after its answer. */
async function burst(c: Extract<LoaderCmd, { cmd: 'burst' }>): Promise<LoaderReply> {
  resetAnswers()
  // Every subscriber also watches for the total that holds every voter's vote (all on screen).
  pollMarker = Buffer.from(`"id":"${c.pollId}"`)
  for (const s of subs) s.arrivals = new WaveArrivals([c.to - c.from])
  const firstSendMs = now()
  const all: Promise<void>[] = []
  // Accounts that voted twice: exactly one of the two must be acknowledged, the other ALREADY_VOTED.
  const twice = { exactlyOneAck: 0, twoAcks: 0, noAck: 0 }
  const judge = ([a, b]: string[]): void => {
    const acks = (a === 'ack' ? 1 : 0) + (b === 'ack' ? 1 : 0)
    if (acks === 2) twice.twoAcks++
    else if (acks === 0) twice.noAck++
    else if ((a === 'ack' ? b : a) === 'ALREADY_VOTED') twice.exactlyOneAck++
    else twice.noAck++
  }
  let d = 0
  for (let g = c.from; g < c.to; g++) {
    const s = byG.get(g)
    if (s === undefined) continue
    const first = vote(s, c.pollId, option(c.options, g), `${c.pollId}:${String(g)}`, false, c.answerTimeoutMs)
    if (c.duplicateEvery > 0 && g % c.duplicateEvery === 0) {
      const again = (): Promise<string> => vote(s, c.pollId, option(c.options, g + 1), `${c.pollId}:${String(g)}:dup`, true, c.answerTimeoutMs)
      // Half send the duplicate at once (it may share the first one's batch), half after the first is answered.
      const both = d++ % 2 === 0 ? Promise.all([first, again()]) : first.then(async (a) => [a, await again()])
      all.push(both.then(judge))
    } else all.push(first.then(() => undefined))
  }
  await Promise.all(all)
  return { ok: true, answers, duplicates: dupAnswers, twice, firstSendMs, lastAnswerMs }
}

function deleteReport(sentAtMs: Record<string, number>): LoaderReply {
  const h = new Histogram()
  let missing = 0
  for (const [id, t0] of Object.entries(sentAtMs)) {
    const at = deletes.get(id)
    for (let i = 0; i < subs.length; i++) {
      const a = at?.[i] ?? Number.NaN
      if (Number.isNaN(a)) missing++
      else h.add(a - t0)
    }
  }
  return { ok: true, delays: h.toJSON(), missing }
}

async function handle(msg: LoaderCmd): Promise<LoaderReply> {
  switch (msg.cmd) {
    case 'connect': {
      mode = msg.mode
      srcIps = msg.srcIps
      const fresh: Sub[] = msg.conns.map((spec, k) => ({ g: spec.g, i: subs.length + k, gen: 0, spec, client: null, lastSeq: 0, resumed: false, arrivals: null, storm: null, stormDup: 0, outOfOrder: 0, onHello: null }))
      for (const s of fresh) {
        subs.push(s)
        byG.set(s.g, s)
      }
      return openAll(fresh, msg.concurrency)
    }
    case 'phase':
      return phase(msg)
    case 'phase-report':
      return phaseReport(msg.sendAtMs)
    case 'burst':
      return burst(msg)
    case 'delete-report':
      return deleteReport(msg.sentAtMs)
    case 'storm-arm':
      stormTag = msg.tag
      stormItems = msg.items
      for (const s of subs) {
        s.storm = new Float64Array(msg.items).fill(Number.NaN)
        s.stormDup = 0
        s.outOfOrder = 0
      }
      gaps = 0
      snapshots = 0
      return { ok: true }
    case 'storm-drop':
      // Every socket drops at once, as when a network or an instance goes away; each then resumes from its last seq.
      for (const s of subs) {
        const c = s.client
        s.gen++ // its close is the bench's doing, not the server's
        s.client = null
        c?.destroy()
      }
      return openAll(subs, msg.concurrency)
    case 'storm-report': {
      let t: StormTotals = NO_STORM
      // Items whose POST was refused never entered the feed: they are not expected.
      const skip = new Set(msg.skip)
      const keep = Array.from({ length: msg.items }, (_, k) => k).filter((k) => !skip.has(k))
      for (const s of subs) {
        const all = s.storm
        if (all === null) continue
        const at = skip.size === 0 ? all.subarray(0, msg.items) : Float64Array.from(keep, (k) => all[k] ?? Number.NaN)
        t = addStormView(t, { at, duplicates: s.stormDup, outOfOrder: s.outOfOrder })
        if (process.env.BENCH_DEBUG === '1' && at.some((x) => Number.isNaN(x))) console.error(`g=${String(s.g)} lastSeq=${String(s.lastSeq)} open=${String(s.client !== null)} missing=${[...at].map((x, k) => (Number.isNaN(x) ? k : -1)).filter((k) => k >= 0).join(',')}`)
      }
      return { ok: true, storm: t, gaps, snapshots, dropped }
    }
    case 'progress':
      return { ok: true, done: subs.filter((s) => s.arrivals?.complete === true).length, subscribers: subs.filter((s) => s.client !== null).length, waiting: waiting.size, dropped, dropsBy }
    case 'close':
      closing = true
      for (const s of subs) s.client?.destroy()
      return { ok: true }
  }
}

process.on('message', (msg: LoaderRequest) => {
  handle(msg).then(
    (r) => process.send?.({ ...r, id: msg.id }),
    (err: unknown) => process.send?.({ ok: false, error: String(err), id: msg.id } satisfies LoaderReply),
  )
})
process.on('disconnect', () => process.exit(0))
