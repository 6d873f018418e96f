// The supervisor (spec §3.6): every watch_tick it checks each worker's lifetime (ttl), idle time
// (idle_ttl) and resident memory (max_worker_memory) and asks the pool to replace the ones over a
// limit. These limits are soft: the pool replaces a worker only between requests. exec_ttl, the hard
// per-request deadline, is enforced by the Worker itself (see Worker.exec).

import type { Logger } from 'pino'
import type { RetireReason, Worker } from '../worker/index.ts'

export interface SupervisorOptions {
  /** How often the limits are checked, ms (RoadRunner default 5 000). */
  watchTickMs: number
  /** Maximum worker lifetime, ms; 0 = none. */
  ttlMs: number
  /** Maximum idle time after the first request, ms; 0 = none. */
  idleTtlMs: number
  /** Hard per-request (and per streamed frame) deadline, ms; 0 = none. Enforced by Worker. */
  execTtlMs: number
  /** RSS limit per worker in MB (1 MB = 1024² bytes, as RoadRunner); 0 = none. */
  maxWorkerMemoryMb: number
}

/** What the supervisor needs from the pool. */
export interface Supervised {
  /** Workers counted by the pool (not those already retired). */
  workers(): Iterable<Worker>
  /** Replace `worker`: successor first, then a graceful stop once it is idle. Idempotent. */
  replace(worker: Worker, reason: RetireReason, detail: string): void
}

const MB = 1024 * 1024

export function supervisorEnabled(opts: SupervisorOptions | undefined): boolean {
  return !!opts && (opts.ttlMs > 0 || opts.idleTtlMs > 0 || opts.maxWorkerMemoryMb > 0)
}

export class Supervisor {
  #pool: Supervised
  #opts: SupervisorOptions
  #log: Logger
  #readRss: (worker: Worker) => Promise<number | null>
  #timer: NodeJS.Timeout | null = null
  #ticking = false
  #warnedNoRss = false

  constructor(
    pool: Supervised,
    opts: SupervisorOptions,
    log: Logger,
    readRss: (worker: Worker) => Promise<number | null> = (w) => w.rss(),
  ) {
    this.#pool = pool
    this.#opts = opts
    this.#log = log
    this.#readRss = readRss
  }

  start(): void {
    if (this.#timer || !supervisorEnabled(this.#opts)) return
    this.#timer = setInterval(() => void this.tick(), Math.max(10, this.#opts.watchTickMs))
    // The workers keep the process alive, not the supervisor.
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  /** One round of checks; a round still reading /proc when the next tick comes is not overlapped. */
  async tick(): Promise<void> {
    if (this.#ticking) return
    this.#ticking = true
    try {
      await this.#check()
    } finally {
      this.#ticking = false
    }
  }

  async #check(): Promise<void> {
    const { ttlMs, idleTtlMs, maxWorkerMemoryMb } = this.#opts
    const now = Date.now()
    const memoryChecks: Promise<void>[] = []
    for (const worker of this.#pool.workers()) {
      const state = worker.state
      if (state !== 'ready' && state !== 'working') continue
      const age = now - worker.createdAt
      if (ttlMs > 0 && age >= ttlMs) {
        this.#pool.replace(worker, 'ttl', `alive ${age} ms, ttl ${ttlMs} ms`)
        continue
      }
      const idle = now - worker.lastUsedAt
      if (idleTtlMs > 0 && state === 'ready' && worker.execs > 0 && idle >= idleTtlMs) {
        this.#pool.replace(worker, 'idle_ttl', `idle ${idle} ms, idle_ttl ${idleTtlMs} ms`)
        continue
      }
      if (maxWorkerMemoryMb > 0) memoryChecks.push(this.#checkMemory(worker, maxWorkerMemoryMb))
    }
    await Promise.all(memoryChecks)
  }

  async #checkMemory(worker: Worker, limitMb: number): Promise<void> {
    const rss = await this.#readRss(worker)
    if (rss === null) {
      if (!this.#warnedNoRss && worker.state !== 'stopped') {
        this.#warnedNoRss = true
        this.#log.warn(
          { pid: worker.pid },
          'cannot read worker memory (/proc/<pid>/status): max_worker_memory is not enforced',
        )
      }
      return
    }
    if (rss > limitMb * MB) {
      const mb = Math.round((rss / MB) * 10) / 10
      this.#pool.replace(
        worker,
        'max_worker_memory',
        `RSS ${mb} MB, max_worker_memory ${limitMb} MB`,
      )
    }
  }
}
