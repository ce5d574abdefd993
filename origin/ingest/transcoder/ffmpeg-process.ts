/**
 * Adapter around one ffmpeg child process: spawns it with one extra stdout pipe per rendition,
 * splits each pipe into init/fragments, stamps fragments with the wall clock, and turns stderr
 * into log lines and progress samples.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import type { Logger } from '../../../common/log.ts'
import { WallClockAnchor, flvTagTimestamp } from './anchor.ts'
import { BoxSplitter } from './box-splitter.ts'
import { outputFd } from './args.ts'
import { FragmentStamper } from './stamper.ts'
import { parseProgress, redactLine, splitLines, type FfmpegProgress } from './stats.ts'

/**
 * Expected with `empty_moov` (audio starts a few ms after video; tfdt carries it) and at the end
 * of every SRT input, so not worth a warning.
 */
const BENIGN = /starts with a nonzero dts|Last message repeated|Immediate exit requested/

/** Callbacks of one ffmpeg run. */
export interface FfmpegHandlers {
  init(rendition: number, bytes: Uint8Array): void
  fragment(rendition: number, bytes: Uint8Array, wallClockMs: number): void
  progress(p: FfmpegProgress): void
  /** The process ended; `expected` when {@link FfmpegProcess.stop} asked for it. */
  exit(code: number | null, signal: string | null, expected: boolean): void
}

/** Options of one ffmpeg run. */
export interface FfmpegProcessOptions {
  ffmpegPath: string
  args: string[]
  renditions: number
  logger: Logger
  handlers: FfmpegHandlers
  now: () => number
}

/** One running ffmpeg. */
export class FfmpegProcess {
  private readonly child: ChildProcess
  private stopping = false
  private exited = false
  private readonly anchor = new WallClockAnchor()
  private readonly exitPromise: Promise<void>

  constructor(private readonly o: FfmpegProcessOptions) {
    const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe']
    for (let i = 1; i < o.renditions; i++) stdio.push('pipe')
    this.child = spawn(o.ffmpegPath, o.args, { stdio })
    this.exitPromise = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exited = true
        o.handlers.exit(code, signal, this.stopping)
        resolve()
      })
    })
    this.child.once('error', (err) => o.logger.error({ err: err.message }, 'ffmpeg spawn failed'))
    this.child.stdin?.on('error', () => undefined)
    for (let i = 0; i < o.renditions; i++) this.wireOutput(i)
    this.wireStderr()
  }

  /** Process id, for logs. */
  get pid(): number | undefined {
    return this.child.pid
  }

  /** A media packet with sender timestamp `tsMs` reached ffmpeg's input (URL inputs). */
  noteMedia(tsMs: number, nowMs: number): void {
    this.anchor.media(tsMs, nowMs)
  }

  /**
   * Writes FLV bytes to stdin; false when the pipe is above its high-water mark (the caller
   * should stop reading its publisher until {@link FfmpegProcess.onceWritable}). Media tags
   * (audio 8 / video 9) feed the wall-clock anchor; the FLV header and metadata do not.
   */
  write(bytes: Uint8Array): boolean {
    const stdin = this.child.stdin
    if (stdin === null || this.exited || stdin.destroyed) return true
    const ts = flvTagTimestamp(bytes)
    if (ts !== undefined) this.anchor.media(ts, this.o.now())
    return stdin.write(bytes)
  }

  /** Calls `cb` once stdin drained or the process ended, whichever comes first. */
  onceWritable(cb: () => void): void {
    let called = false
    const once = (): void => {
      if (called) return
      called = true
      cb()
    }
    if (this.exited || this.child.stdin === null) {
      queueMicrotask(once)
      return
    }
    this.child.stdin.once('drain', once)
    void this.exitPromise.then(once)
  }

  /** Bytes queued in stdin, to bound memory when ffmpeg falls behind. */
  get pendingInputBytes(): number {
    return this.child.stdin?.writableLength ?? 0
  }

  /** Stops ffmpeg: closes stdin, then SIGTERM, then SIGKILL; resolves when it is gone. */
  async stop(graceMs = 1500): Promise<void> {
    if (this.exited) return
    this.stopping = true
    this.child.stdin?.end()
    const term = setTimeout(() => this.child.kill('SIGTERM'), 200)
    const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exitPromise
    clearTimeout(term)
    clearTimeout(kill)
  }

  private wireOutput(i: number): void {
    const stream = this.child.stdio[outputFd(i)] as Readable | Writable | null | undefined
    if (stream === null || stream === undefined || !('read' in stream)) return
    const splitter = new BoxSplitter()
    const stamper = new FragmentStamper()
    stream.on('data', (chunk: Buffer) => {
      const r = splitter.push(chunk)
      for (const e of r.events) {
        if (e.kind === 'init') {
          if (!stamper.setInit(e.bytes)) this.o.logger.warn({ rendition: i }, 'unparsable init section')
          this.o.handlers.init(i, e.bytes)
        } else {
          const now = this.o.now()
          this.o.handlers.fragment(i, e.bytes, stamper.stamp(e.bytes, this.anchor.get() ?? now, now))
        }
      }
      if (r.error !== undefined) {
        this.o.logger.error({ rendition: i, code: r.error }, 'bad fMP4 from ffmpeg')
        this.child.kill('SIGKILL')
      }
    })
    stream.on('error', () => undefined)
  }

  private wireStderr(): void {
    let tail = ''
    this.child.stderr?.setEncoding('utf8')
    this.child.stderr?.on('data', (chunk: string) => {
      const r = splitLines(tail, chunk)
      tail = r.tail
      for (const line of r.lines) {
        const p = parseProgress(line)
        if (p !== undefined) this.o.handlers.progress(p)
        else if (BENIGN.test(line)) this.o.logger.debug({ pid: this.child.pid, ffmpeg: redactLine(line).slice(0, 500) }, 'ffmpeg')
        else this.o.logger.warn({ pid: this.child.pid, ffmpeg: redactLine(line).slice(0, 500) }, 'ffmpeg')
      }
    })
  }
}
