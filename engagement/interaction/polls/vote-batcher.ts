// Groups concurrent submissions into batches (a few ms or up to N items), runs each batch once, answers each caller after it.

/** How batches form. */
export interface BatcherOptions<I, O> {
  /** Largest batch. */
  maxItems: number
  /** How long the first item of a batch waits for company; 0 = the next turn of the event loop. */
  delayMs: number
  /** Batches running at once; further items wait and join the next one. */
  maxInFlight: number
  /**
   * Runs one batch and returns one result per item, in order. When it throws, every caller of the
   * batch gets that error (nothing of it may be treated as acknowledged).
   */
  run: (items: I[]) => Promise<O[]>
}

interface Waiting<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (err: unknown) => void
}

/** Thrown to callers after {@link Batcher.close}. */
export class BatcherClosedError extends Error {
  constructor() {
    super('the vote batcher is closed')
    this.name = 'BatcherClosedError'
  }
}

/**
 * One per instance: callers `submit` one item each and wait; items are grouped so the store sees
 * one transaction per batch instead of one per item. Under load batches grow towards `maxItems`
 * while the previous ones run, so throughput rises with the load instead of queueing behind it.
 */
export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight = 0
  private readonly running = new Set<Promise<void>>()
  private closed = false

  constructor(private readonly opts: BatcherOptions<I, O>) {
    if (opts.maxItems < 1 || opts.maxInFlight < 1) throw new Error('batcher needs maxItems and maxInFlight of at least 1')
  }

  /** Queues `item`; resolves with its result once its batch has run, or rejects with the batch's error. */
  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new BatcherClosedError())
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.schedule()
    })
  }

  /** Items waiting for a batch. */
  get pending(): number {
    return this.queue.length
  }

  /** Runs what is queued now and waits for every running batch. */
  async flush(): Promise<void> {
    this.clearTimer()
    while (this.queue.length > 0 || this.running.size > 0) {
      while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) this.startBatch()
      await Promise.race(this.running)
    }
  }

  /** Refuses new items, then runs the queued ones. */
  async close(): Promise<void> {
    this.closed = true
    await this.flush()
  }

  private schedule(): void {
    if (this.inFlight >= this.opts.maxInFlight) return // a finishing batch starts the next one
    if (this.queue.length >= this.opts.maxItems) {
      this.clearTimer()
      this.startBatch()
      return
    }
    if (this.timer !== null) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) this.startBatch()
    }, this.opts.delayMs)
  }

  private clearTimer(): void {
    if (this.timer === null) return
    clearTimeout(this.timer)
    this.timer = null
  }

  private startBatch(): void {
    const batch = this.queue.splice(0, this.opts.maxItems)
    if (batch.length === 0) return
    this.inFlight += 1
    const done = this.runBatch(batch).finally(() => {
      this.inFlight -= 1
      this.running.delete(done)
      // Items that arrived meanwhile have waited at least one batch already: start them now.
      if (this.queue.length > 0) {
        this.clearTimer()
        while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) this.startBatch()
      }
    })
    this.running.add(done)
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    let results: O[]
    try {
      results = await this.opts.run(batch.map((w) => w.item))
      if (results.length !== batch.length) throw new Error(`batch returned ${String(results.length)} results for ${String(batch.length)} items`)
    } catch (err) {
      for (const w of batch) w.reject(err)
      return
    }
    for (const [i, w] of batch.entries()) w.resolve(results[i] as O)
  }
}
