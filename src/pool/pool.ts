// Many workers: allocation, bounded wait queue, replacement of dead workers, max_jobs, reset, destroy.

import type { Logger } from 'pino'
import { CourserError, isCourserError } from '../errors.ts'
import { isStopRequest, type Payload } from '../protocol/index.ts'
import { Worker, type ChunkHandler, type ExecRequest, type WorkerOptions } from '../worker/index.ts'
import { FifoQueue } from './queue.ts'

export interface PoolOptions {
  /** Plugin that owns the pool (`http`), for logs and informer output. */
  name: string
  numWorkers: number
  /** Recycle a worker after this many requests; 0 = never. */
  maxJobs: number
  allocateTimeoutMs: number
  destroyTimeoutMs: number
  /** How long a cancelled stream may take to end before its worker is killed. */
  streamTimeoutMs: number
  /** Reject at once when this many requests already wait; 0 = unbounded. */
  maxQueueSize: number
  /** A fresh worker per request (development). */
  debug: boolean
  worker: Omit<WorkerOptions, 'log'>
  log: Logger
}

export interface ExecOptions {
  /** Receives a streamed response frame by frame (see Worker.exec). */
  onChunk?: ChunkHandler
  /** Aborted when the client goes away: a streaming worker gets STOP and is drained. */
  signal?: AbortSignal
  /** Called with the worker once taken, e.g. to pause its output under backpressure. */
  onWorker?: (worker: Worker) => void
}

export interface PoolStats {
  workers: number
  ready: number
  busy: number
  queued: number
  spawning: number
}

export interface WorkerInfo {
  pid: number
  state: string
  execs: number
  createdAt: number
}

interface Waiter {
  resolve(worker: Worker): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

const MAX_BACKOFF_MS = 5000
const FIRST_BACKOFF_MS = 100
/** Workers that ask to be recycled (`{"stop":true}`) get the request re-run this many times at most. */
const MAX_RERUNS = 10

export class Pool {
  #opts: PoolOptions
  #log: Logger
  /** Live workers counted against num_workers (retired ones are not). */
  #workers = new Set<Worker>()
  #idle: Worker[] = []
  #waiters = new FifoQueue<Waiter>()
  #spawning = 0
  #backoffMs = 0
  #retryTimer: NodeJS.Timeout | null = null
  #lastBootError: CourserError | null = null
  #destroyed = false

  constructor(opts: PoolOptions) {
    this.#opts = opts
    this.#log = opts.log.child({ pool: opts.name })
  }

  /** Boots num_workers workers in parallel; failures are logged and retried with backoff. */
  async start(): Promise<void> {
    if (this.#opts.debug) return
    const n = this.#opts.numWorkers - this.#workers.size - this.#spawning
    await Promise.all(Array.from({ length: n }, () => this.#spawnOne()))
  }

  async exec(request: ExecRequest, opts: ExecOptions = {}): Promise<Payload> {
    if (this.#opts.debug) return this.#execFresh(request, opts)
    for (let reruns = 0; ;) {
      const worker = await this.#acquire()
      let payload: Payload
      try {
        payload = await this.#run(worker, request, opts)
      } catch (err) {
        if (isCourserError(err, 'ERR_WORKER_SOFT_ERROR')) this.#release(worker)
        else if (isCourserError(err, 'ERR_WORKER_NOT_READY')) continue
        throw err
      }
      if (isStopRequest(payload)) {
        this.#log.debug({ pid: worker.pid }, 'worker asked to be recycled, re-running the request')
        this.#retire(worker)
        if (++reruns > MAX_RERUNS) {
          throw new CourserError(
            'ERR_WORKER_EXITED',
            `${MAX_RERUNS} workers in a row asked to stop instead of answering`,
          )
        }
        continue
      }
      this.#release(worker)
      return payload
    }
  }

  /** Replaces every worker without failing in-flight requests: new ones first, then old ones retire. */
  async reset(): Promise<void> {
    if (this.#destroyed) throw new CourserError('ERR_POOL_DESTROYED')
    const old = [...this.#workers]
    const results = await Promise.allSettled(
      Array.from({ length: this.#opts.numWorkers }, () => Worker.start(this.#workerOptions())),
    )
    const fresh = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const failed = results.find((r) => r.status === 'rejected')
    if (fresh.length === 0 && failed && this.#opts.numWorkers > 0) {
      throw failed.reason as Error
    }
    for (const worker of fresh) this.#adopt(worker)
    for (const worker of old) this.#retire(worker)
    this.#log.info({ workers: fresh.length }, 'pool reset')
    this.#ensureCapacity()
  }

  /** Stops accepting, lets busy workers finish (up to destroy_timeout), stops every worker. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    for (const waiter of this.#waiters.drain()) {
      clearTimeout(waiter.timer)
      waiter.reject(new CourserError('ERR_POOL_DESTROYED'))
    }
    const all = [...this.#workers]
    this.#workers.clear()
    this.#idle = []
    await Promise.all(all.map((w) => this.#stopWhenIdle(w)))
  }

  stats(): PoolStats {
    let busy = 0
    for (const w of this.#workers) if (w.state === 'working') busy++
    return {
      workers: this.#workers.size,
      ready: this.#idle.length,
      busy,
      queued: this.#waiters.length,
      spawning: this.#spawning,
    }
  }

  list(): WorkerInfo[] {
    return [...this.#workers].map((w) => ({
      pid: w.pid,
      state: w.state,
      execs: w.execs,
      createdAt: w.createdAt,
    }))
  }

  #acquire(): Promise<Worker> {
    if (this.#destroyed) return Promise.reject(new CourserError('ERR_POOL_DESTROYED'))
    const worker = this.#idle.pop()
    if (worker) return Promise.resolve(worker)
    if (this.#workers.size === 0 && this.#lastBootError) {
      // Nothing can serve until a boot succeeds: answer now instead of holding the client.
      return Promise.reject(
        new CourserError('ERR_POOL_BOOT_FAILING', this.#lastBootError.message, {
          cause: this.#lastBootError,
        }),
      )
    }
    const { maxQueueSize, allocateTimeoutMs } = this.#opts
    if (maxQueueSize > 0 && this.#waiters.length >= maxQueueSize) {
      return Promise.reject(new CourserError('ERR_POOL_QUEUE_FULL', `${maxQueueSize} waiting`))
    }
    return new Promise<Worker>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.remove(waiter)
          reject(new CourserError('ERR_POOL_NO_WORKERS', `waited ${allocateTimeoutMs} ms`))
        }, allocateTimeoutMs),
      }
      this.#waiters.push(waiter)
    })
  }

  /** A worker finished a request: hand it to the next waiter, park it, or retire it. */
  #release(worker: Worker): void {
    const { maxJobs } = this.#opts
    if (
      worker.state === 'retiring' ||
      !this.#workers.has(worker) ||
      (maxJobs > 0 && worker.execs >= maxJobs)
    ) {
      this.#retire(worker)
      return
    }
    if (worker.state === 'ready') this.#offer(worker)
  }

  #offer(worker: Worker): void {
    const waiter = this.#waiters.shift()
    if (waiter) {
      clearTimeout(waiter.timer)
      waiter.resolve(worker)
    } else {
      this.#idle.push(worker)
    }
  }

  /** Takes a worker out of service: replacement first, then a graceful stop (now, or once idle). */
  #retire(worker: Worker): void {
    this.#workers.delete(worker)
    const i = this.#idle.indexOf(worker)
    if (i >= 0) this.#idle.splice(i, 1)
    this.#ensureCapacity()
    if (worker.state === 'working') {
      worker.retire()
      return
    }
    void this.#stopWorker(worker)
  }

  async #stopWhenIdle(worker: Worker): Promise<void> {
    if (worker.state === 'working' || worker.state === 'retiring') {
      worker.retire()
      const timer = new Promise((resolve) => setTimeout(resolve, this.#opts.destroyTimeoutMs))
      await Promise.race([worker.exited, timer])
    }
    await this.#stopWorker(worker)
  }

  async #stopWorker(worker: Worker): Promise<void> {
    try {
      await worker.stop(this.#opts.destroyTimeoutMs)
    } catch (err) {
      this.#log.warn({ pid: worker.pid, err }, 'failed to stop worker')
    }
  }

  #adopt(worker: Worker): void {
    worker.onExit = (w, info, cause) => {
      // A retired worker is no longer counted: nothing to replace.
      if (!this.#workers.delete(w)) return
      const i = this.#idle.indexOf(w)
      if (i >= 0) this.#idle.splice(i, 1)
      if (this.#destroyed) return
      this.#log.warn(
        { pid: w.pid, code: cause.code, exit: info },
        `worker exited: ${cause.message}`,
      )
      this.#ensureCapacity()
    }
    this.#workers.add(worker)
    this.#offer(worker)
  }

  #ensureCapacity(): void {
    if (this.#destroyed || this.#opts.debug || this.#retryTimer) return
    const missing = this.#opts.numWorkers - this.#workers.size - this.#spawning
    for (let i = 0; i < missing; i++) void this.#spawnOne()
  }

  async #spawnOne(): Promise<void> {
    this.#spawning++
    let worker: Worker
    try {
      worker = await Worker.start(this.#workerOptions())
    } catch (err) {
      this.#spawning--
      this.#bootFailed(err as CourserError)
      return
    }
    this.#spawning--
    if (this.#destroyed) {
      await this.#stopWorker(worker)
      return
    }
    this.#backoffMs = 0
    this.#lastBootError = null
    this.#adopt(worker)
  }

  #bootFailed(err: CourserError): void {
    this.#lastBootError = isCourserError(err)
      ? err
      : new CourserError('ERR_WORKER_BOOT_FAILED', String(err))
    if (this.#destroyed) return
    this.#backoffMs = Math.min(
      this.#backoffMs ? this.#backoffMs * 2 : FIRST_BACKOFF_MS,
      MAX_BACKOFF_MS,
    )
    this.#log.error(
      { code: this.#lastBootError.code, retryInMs: this.#backoffMs },
      this.#lastBootError.message,
    )
    if (this.#workers.size === 0) {
      for (const waiter of this.#waiters.drain()) {
        clearTimeout(waiter.timer)
        waiter.reject(new CourserError('ERR_POOL_BOOT_FAILING', this.#lastBootError.message))
      }
    }
    if (!this.#retryTimer) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null
        this.#ensureCapacity()
      }, this.#backoffMs)
    }
  }

  #run(worker: Worker, request: ExecRequest, opts: ExecOptions): Promise<Payload> {
    const { signal } = opts
    opts.onWorker?.(worker)
    if (!signal) return worker.exec(request, opts.onChunk)
    const onAbort = (): void => worker.cancelStream(this.#opts.streamTimeoutMs)
    const done = worker.exec(request, opts.onChunk)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    return done.finally(() => signal.removeEventListener('abort', onAbort))
  }

  async #execFresh(request: ExecRequest, opts: ExecOptions): Promise<Payload> {
    if (this.#destroyed) throw new CourserError('ERR_POOL_DESTROYED')
    const worker = await Worker.start(this.#workerOptions())
    try {
      return await this.#run(worker, request, opts)
    } finally {
      void this.#stopWorker(worker)
    }
  }

  #workerOptions(): WorkerOptions {
    return { ...this.#opts.worker, log: this.#opts.log }
  }
}
