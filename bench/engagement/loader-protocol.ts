// The IPC contract between the engagement bench's orchestrator and its load processes (subscriber-proc.ts).
import type { HistogramData, StormTotals, Wave } from './stats.ts'

/** One connection to open: global index, gateway port, path with query, Cookie header value ('' for none). */
export interface ConnSpec {
  g: number
  port: number
  path: string
  cookie: string
}

/** Commands from the orchestrator (bench/engagement/index.ts). */
export type LoaderCmd =
  | { cmd: 'connect'; mode: 'ours' | 'baseline'; conns: ConnSpec[]; srcIps: string[]; concurrency: number }
  | { cmd: 'phase'; pollId: string; options: string[]; waves: Wave[]; thresholds: number[]; startAtMs: number; windowEndMs: number; answerTimeoutMs: number }
  | { cmd: 'phase-report'; sendAtMs: number[] }
  | { cmd: 'burst'; pollId: string; options: string[]; from: number; to: number; duplicateEvery: number; answerTimeoutMs: number }
  | { cmd: 'delete-report'; sentAtMs: Record<string, number> }
  | { cmd: 'storm-arm'; tag: string; items: number }
  | { cmd: 'storm-drop'; concurrency: number }
  | { cmd: 'storm-report'; items: number; skip: number[] }
  | { cmd: 'progress' }
  | { cmd: 'close' }

/** A command with the id its reply carries (several may be outstanding on one process). */
export type LoaderRequest = LoaderCmd & { id: number }

/** Vote answers by outcome. */
export interface Answers {
  acked: number
  /** Refusals by error code (ALREADY_VOTED expected for deliberate duplicates only). */
  errors: Record<string, number>
  /** Votes with no answer before the timeout. */
  unanswered: number
}

/** Replies, one per command. */
export interface LoaderReply {
  id?: number
  ok: boolean
  /** Subscribers whose displayed total has reached the last wave's threshold (`progress`). */
  done?: number
  /** Votes sent and not answered yet (`progress`). */
  waiting?: number
  /** Sockets the server closed since the process started (each redialled). */
  dropped?: number
  /** The same by close code and reason. */
  dropsBy?: Record<string, number>
  error?: string
  connected?: number
  failed?: number
  firstError?: string
  /** Per wave: when this process sent its first vote of it (NaN: it held no voter of that wave). */
  sendAtMs?: number[]
  answers?: Answers
  /** Duplicate votes sent and how they were answered. */
  duplicates?: Answers
  /** Accounts that voted twice, by outcome (`exactlyOneAck`: one ack and one ALREADY_VOTED). */
  twice?: { exactlyOneAck: number; twoAcks: number; noAck: number }
  firstSendMs?: number
  lastAnswerMs?: number
  delays?: HistogramData
  missing?: number
  /** Frames received in the phase window, all and by type. */
  frames?: number
  framesByType?: Record<string, number>
  subscribers?: number
  lastHelloMs?: number
  storm?: StormTotals
  gaps?: number
  /** Snapshots received (after each gap). */
  snapshots?: number
}
