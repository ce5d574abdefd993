/**
 * Frames waiting for the end-of-turn flush, per connection, without a JS object per frame.
 *
 * One busy turn relays thousands of ~2 KB offers. Keeping each as its own Buffer kept them all
 * alive across young-generation collections, which then cost more than encoding them. Here frames
 * are written into a few reused blocks and queued as integers (block, offset, length, next), so
 * the garbage collector sees nothing until the flush makes short-lived views to hand to `send`.
 */
import { Buffer } from 'node:buffer'

/** Per-connection queue state; the host keeps it on its connection record. */
export interface OutQueue {
  /** First and last frame index, -1 when empty. */
  head: number
  tail: number
  /** Bytes queued this turn. */
  bytes: number
}

/** A new empty queue. */
export function emptyQueue(): OutQueue {
  return { head: -1, tail: -1, bytes: 0 }
}

/** The per-turn frame store. */
export class Outbox {
  private readonly blocks: Buffer[] = []
  private block = 0
  private off = 0
  private fBlock = new Int32Array(4096)
  private fOff = new Int32Array(4096)
  private fLen = new Int32Array(4096)
  private fNext = new Int32Array(4096)
  private count = 0

  /**
   * `blockBytes` must exceed the largest frame. A turn takes as many blocks as its frames need, up
   * to `maxBlocks`, past which {@link reserve} asks for an early flush: the bigger a turn's batch,
   * the fewer socket writes it costs, so the cap only bounds memory. Blocks stay allocated while
   * turns keep needing them (fresh memory every turn costs page faults and garbage collections);
   * those above `retainBlocks` are released once no turn has needed them for `releaseAfterMs`.
   */
  constructor(
    readonly blockBytes = 1 << 20,
    private readonly retainBlocks = 16,
    private readonly maxBlocks = 256,
    private readonly releaseAfterMs = 10_000,
  ) {
    this.blocks.push(Buffer.allocUnsafeSlow(blockBytes))
  }

  /** Most blocks a recent turn needed, and when. */
  private peakBlocks = 1
  private peakAtMs = 0

  /** The buffer to write the next frame into, valid after a successful {@link reserve}. */
  buf: Buffer = Buffer.alloc(0)
  /** Where in {@link buf} to write it. */
  at = 0

  /**
   * Makes room for a frame of at most `max` bytes. False when this turn's blocks are used up:
   * flush, {@link reset}, and ask again.
   */
  reserve(max: number): boolean {
    if (max > this.blockBytes) throw new RangeError(`frame of ${String(max)} bytes exceeds the outbox block size`)
    if (this.off + max > this.blockBytes) {
      if (this.block + 1 >= this.maxBlocks) return false
      this.block++
      this.off = 0
      if (this.block === this.blocks.length) this.blocks.push(Buffer.allocUnsafeSlow(this.blockBytes))
    }
    this.buf = this.blocks[this.block] as Buffer
    this.at = this.off
    return true
  }

  /** Queues the `len` bytes just written at {@link at} as the next frame of `q`. */
  push(q: OutQueue, len: number): void {
    const i = this.count++
    if (i === this.fLen.length) this.grow()
    this.fBlock[i] = this.block
    this.fOff[i] = this.off
    this.fLen[i] = len
    this.fNext[i] = -1
    this.off += len
    if (q.tail < 0) q.head = i
    else this.fNext[q.tail] = i
    q.tail = i
    q.bytes += len
  }

  /** Takes `q`'s frames as views that are valid until {@link reset}, and empties `q`. */
  take(q: OutQueue): Uint8Array[] {
    const out: Uint8Array[] = []
    for (let i = q.head; i >= 0; i = this.fNext[i] as number) {
      const b = this.blocks[this.fBlock[i] as number] as Buffer
      out.push(new Uint8Array(b.buffer, b.byteOffset + (this.fOff[i] as number), this.fLen[i]))
    }
    q.head = q.tail = -1
    q.bytes = 0
    return out
  }

  /**
   * Forgets every frame, keeping the blocks for the next turn. Call after every queue was taken or
   * dropped; `nowMs` times the release of blocks no turn needs any more.
   */
  reset(nowMs: number): void {
    const used = this.block + 1
    if (used >= this.peakBlocks) {
      this.peakBlocks = used
      this.peakAtMs = nowMs
    } else if (nowMs - this.peakAtMs >= this.releaseAfterMs) {
      this.peakBlocks = used
      this.peakAtMs = nowMs
      if (this.blocks.length > Math.max(this.retainBlocks, used)) this.blocks.length = Math.max(this.retainBlocks, used)
    }
    this.block = 0
    this.off = 0
    this.count = 0
  }

  /** Blocks allocated now. */
  get allocatedBlocks(): number {
    return this.blocks.length
  }

  private grow(): void {
    const n = this.fLen.length * 2
    const g = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n)
      b.set(a)
      return b
    }
    this.fBlock = g(this.fBlock)
    this.fOff = g(this.fOff)
    this.fLen = g(this.fLen)
    this.fNext = g(this.fNext)
  }
}
