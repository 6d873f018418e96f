// Many workers: allocation, bounded wait queue, replacement of dead workers, max_jobs, the
// supervisor's soft limits, reset, destroy.

import { randomInt } from 'node:crypto'
import type { Logger } from 'pino'
import { CourserError, isCourserError } from '../errors.ts'
import { isStopRequest, type Payload } from '../protocol/index.ts'
import {
  Worker,
  type ChunkHandler,
  type ExecRequest,
  type RetireReason,
  type WorkerOptions,
} from '../worker/index.ts'
import { FifoQueue } from './queue.ts'
import { Supervisor, supervisorEnabled, type SupervisorOptions } from './supervisor.ts'

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
  /** ttl, idle_ttl, max_worker_memory (checked every watch_tick) and exec_ttl; absent = none. */
  supervisor?: SupervisorOptions
  worker: Omit<WorkerOptions, 'log'>
  log: Logger
}

/**
 * A cheap stand-in for AbortSignal (one is made per HTTP request, and EventTarget is costly):
 * the owner sets `cancelled` and calls `onCancel` when the client goes away.
 */
export interface CancelToken {
  cancelled: boolean
  onCancel: (() => void) | null
}

export interface ExecOptions {
  /** Receives a streamed response frame by frame (see Worker.exec). */
  onChunk?: ChunkHandler
  /** Set when the client goes away: a streaming worker gets STOP and is drained. */
  cancel?: CancelToken
  /** Called with the worker once taken, e.g. to pause its output under backpressure. */
  onWorker?: (worker: Worker) => void
}

export interface PoolStats {
  /** Live workers counted against num_workers (retired ones still finishing are not). */
  workers: number
  ready: number
  busy: number
  /** Requests waiting for a free worker now. */
  queued: number
  /** How long the oldest queued request has been waiting, ms (0 when none). */
  oldestWaitMs: number
  /** Boots in flight to reach num_workers (successors of workers being replaced not included). */
  spawning: number
  /** Since start: requests that had to queue, and their mean and longest wait (ms). */
  waited: number
  avgWaitMs: number
  maxWaitMs: number
  /** Since start: requests refused without a worker (allocate_timeout, max_queue_size). */
  rejected: number
  /** Since start: workers that exited or were killed unasked (crash, exec_ttl, stray output). */
  exited: number
  /** Since start: workers retired by max_jobs, the supervisor, reset or their own stop request. */
  retired: number
}

export interface WorkerInfo {
  pid: number
  state: string
  /** RoadRunner's numeric status and its name (`informer.Workers`): ready, working, ttlReached... */
  status: number
  statusStr: string
  /** Why the worker is being replaced, if it is. */
  reason: RetireReason | null
  execs: number
  createdAt: number
  lastUsedAt: number
  /** The request in flight (`GET /path`) and for how long, or null when idle. */
  current: { label: string; ms: number } | null
}

interface Waiter {
  resolve(worker: Worker): void
  reject(err: Error): void
  timer: NodeJS.Timeout
  since: number
}

/**
 * A boot in flight. `old` is the worker it will replace (the successor is adopted first, then the
 * old one retires), or null for a boot that fills a gap in num_workers (counted in #spawning).
 */
interface SpawnToken {
  old: Worker | null
}

const MAX_BACKOFF_MS = 5000
/** A worker that exits on its own this soon after it started, unused, counts as a failed boot. */
const CRASH_AT_BOOT_MS = 1000
const FIRST_BACKOFF_MS = 100
/** Workers that ask to be recycled (`{"stop":true}`) get the request re-run this many times at most. */
const MAX_RERUNS = 10

export class Pool {
  #opts: PoolOptions
  /** num_workers, changed at runtime by informer.AddWorker / RemoveWorker. */
  #numWorkers: number
  #log: Logger
  /** Live workers counted against num_workers (retired ones are not). */
  #workers = new Set<Worker>()
  #jobLimits = new WeakMap<Worker, number>()
  #idle: Worker[] = []
  #waiters = new FifoQueue<Waiter>()
  #spawning = 0
  /** Workers being replaced whose successor is booting. */
  #successors = new Map<Worker, SpawnToken>()
  /** Retired workers not yet exited (finishing a request, or stopping). */
  #retiring = new Set<Worker>()
  /** pool.debug: the per-request workers alive now. */
  #fresh = new Set<Worker>()
  #backoffMs = 0
  #retryTimer: NodeJS.Timeout | null = null
  #lastBootError: CourserError | null = null
  #destroyed = false
  #supervisor: Supervisor | null = null
  #resetChain: Promise<void> = Promise.resolve()
  #counters = { waited: 0, waitMsTotal: 0, maxWaitMs: 0, rejected: 0, exited: 0, retired: 0 }

  constructor(opts: PoolOptions) {
    this.#opts = opts
    this.#numWorkers = opts.numWorkers
    this.#log = opts.log.child({ pool: opts.name })
    if (!opts.debug && supervisorEnabled(opts.supervisor)) {
      this.#supervisor = new Supervisor(
        {
          workers: () => [...this.#workers],
          replace: (worker, reason, detail) => this.#replace(worker, reason, detail),
        },
        opts.supervisor!,
        this.#log,
      )
    }
  }

  /** Boots num_workers workers in parallel; failures are logged and retried with backoff. */
  async start(): Promise<void> {
    if (this.#opts.debug) return
    this.#supervisor?.start()
    const n = this.#numWorkers - this.#workers.size - this.#spawning
    await Promise.all(Array.from({ length: n }, () => this.#spawnOne()))
  }

  async exec(request: ExecRequest, opts: ExecOptions = {}): Promise<Payload> {
    if (request.body.length === 0 && request.context.length === 0) {
      throw new CourserError('ERR_PAYLOAD_EMPTY')
    }
    if (this.#opts.debug) return this.#execFresh(request, opts)
    for (let reruns = 0; ;) {
      const worker = await this.#acquire()
      if (opts.cancel?.cancelled) {
        // Its client left while it waited: the worker goes to the next request instead.
        this.#release(worker)
        throw new CourserError('ERR_POOL_CANCELLED')
      }
      let payload: Payload
      try {
        const done = this.#run(worker, request, opts)
        // Its last request under max_jobs: boot the successor now, while this request runs.
        const limit = this.#jobLimit(worker)
        if (limit > 0 && worker.execs + 1 >= limit && worker.busy) {
          this.#replace(worker, 'max_jobs', `${worker.execs + 1} requests, max_jobs ${limit}`)
        }
        payload = await done
      } catch (err) {
        if (isCourserError(err, 'ERR_WORKER_SOFT_ERROR')) this.#release(worker)
        else if (isCourserError(err, 'ERR_WORKER_NOT_READY')) continue
        throw err
      }
      if (isStopRequest(payload)) {
        this.#log.debug({ pid: worker.pid }, 'worker asked to be recycled, re-running the request')
        this.#retire(worker, 'stop_request')
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

  /**
   * Replaces every worker without failing in-flight requests: new ones first, then old ones retire.
   * Concurrent calls run one after the other.
   */
  reset(): Promise<void> {
    const run = this.#resetChain.then(() => this.#resetOnce())
    this.#resetChain = run.catch(() => {})
    return run
  }

  async #resetOnce(): Promise<void> {
    if (this.#destroyed) throw new CourserError('ERR_POOL_DESTROYED')
    if (this.#opts.debug) return
    const old = [...this.#workers]
    const results = await Promise.allSettled(
      Array.from({ length: this.#numWorkers }, () => Worker.start(this.#workerOptions())),
    )
    const fresh = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    if (this.#destroyed) {
      await Promise.all(fresh.map((w) => this.#stopWorker(w)))
      throw new CourserError('ERR_POOL_DESTROYED')
    }
    const failed = results.find((r) => r.status === 'rejected')
    if (fresh.length === 0 && failed && this.#numWorkers > 0) {
      throw failed.reason as Error
    }
    if (fresh.length) this.#lastBootError = null
    for (const worker of fresh) this.#adopt(worker)
    for (const worker of old) this.#retire(worker, 'reset')
    this.#log.info({ workers: fresh.length }, 'pool reset')
    this.#ensureCapacity()
  }

  /** Stops accepting, lets busy workers finish (up to destroy_timeout), stops every worker. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    this.#supervisor?.stop()
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    for (const waiter of this.#waiters.drain()) {
      clearTimeout(waiter.timer)
      waiter.reject(new CourserError('ERR_POOL_DESTROYED'))
    }
    const all = [...this.#workers, ...this.#retiring, ...this.#fresh]
    this.#workers.clear()
    this.#idle = []
    await Promise.all(all.map((w) => this.#stopWhenIdle(w)))
  }

  stats(): PoolStats {
    let busy = 0
    for (const w of this.#workers) if (w.busy) busy++
    const c = this.#counters
    const oldest = this.#waiters.peek()
    return {
      workers: this.#workers.size,
      ready: this.#idle.length,
      busy,
      queued: this.#waiters.length,
      oldestWaitMs: oldest ? Date.now() - oldest.since : 0,
      spawning: this.#spawning,
      waited: c.waited,
      avgWaitMs: c.waited ? Math.round((c.waitMsTotal / c.waited) * 10) / 10 : 0,
      maxWaitMs: c.maxWaitMs,
      rejected: c.rejected,
      exited: c.exited,
      retired: c.retired,
    }
  }

  list(): WorkerInfo[] {
    return [...this.#workers].map((w) => {
      const status = w.status
      return {
        pid: w.pid,
        state: w.state,
        status: status.code,
        statusStr: status.name,
        reason: w.reason,
        execs: w.execs,
        createdAt: w.createdAt,
        lastUsedAt: w.lastUsedAt,
        current: w.current,
      }
    })
  }

  /** The worker command line (informer output). */
  get command(): readonly string[] {
    return this.#opts.worker.command
  }

  /** informer.AddWorker: num_workers + 1 from now on; resolves once the new worker is up (or failed). */
  async addWorker(): Promise<void> {
    if (this.#destroyed) throw new CourserError('ERR_POOL_DESTROYED')
    if (this.#opts.debug) return
    this.#numWorkers++
    await this.#spawnOne()
  }

  /** informer.RemoveWorker: num_workers - 1; an idle worker stops now, else a busy one after its request. */
  removeWorker(): void {
    if (this.#destroyed || this.#opts.debug || this.#numWorkers === 0) return
    this.#numWorkers--
    const victim = this.#idle[0] ?? [...this.#workers].find((w) => !this.#successors.has(w))
    if (victim) this.#retire(victim)
  }

  /** One round of supervisor checks now (tests; normally every watch_tick). */
  async superviseNow(): Promise<void> {
    await this.#supervisor?.tick()
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
      this.#counters.rejected++
      return Promise.reject(new CourserError('ERR_POOL_QUEUE_FULL', `${maxQueueSize} waiting`))
    }
    return new Promise<Worker>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        since: Date.now(),
        timer: setTimeout(() => {
          this.#waiters.remove(waiter)
          this.#counters.rejected++
          this.#recordWait(allocateTimeoutMs)
          reject(new CourserError('ERR_POOL_NO_WORKERS', `waited ${allocateTimeoutMs} ms`))
        }, allocateTimeoutMs),
      }
      this.#waiters.push(waiter)
    })
  }

  #recordWait(ms: number): void {
    const c = this.#counters
    c.waited++
    c.waitMsTotal += ms
    if (ms > c.maxWaitMs) c.maxWaitMs = ms
  }

  /**
   * This worker's max_jobs with RoadRunner's jitter (0-14 % more, spec §3.5), so workers booted
   * together do not all recycle on the same request. 0 = unlimited.
   */
  #jobLimit(worker: Worker): number {
    const { maxJobs } = this.#opts
    if (maxJobs <= 0) return 0
    let limit = this.#jobLimits.get(worker)
    if (limit === undefined) {
      limit = maxJobs + Math.floor((maxJobs * randomInt(0, 15)) / 100)
      this.#jobLimits.set(worker, limit)
    }
    return limit
  }

  /** A worker finished a request: hand it to the next waiter, park it, or retire it. */
  #release(worker: Worker): void {
    const limit = this.#jobLimit(worker)
    const spent = limit > 0 && worker.execs >= limit
    if (worker.state === 'retiring' || !this.#workers.has(worker) || spent) {
      this.#retire(worker, spent ? 'max_jobs' : undefined)
      return
    }
    if (this.#backoffMs > 0) this.#backoffMs = 0 // it served a request: healthy
    if (worker.state === 'ready') this.#offer(worker)
  }

  #offer(worker: Worker): void {
    const waiter = this.#waiters.shift()
    if (waiter) {
      clearTimeout(waiter.timer)
      this.#recordWait(Date.now() - waiter.since)
      waiter.resolve(worker)
    } else {
      this.#idle.push(worker)
    }
  }

  /** Removes a worker from the count; a successor booting for it now fills the gap instead. */
  #forget(worker: Worker): boolean {
    if (!this.#workers.delete(worker)) return false
    const i = this.#idle.indexOf(worker)
    if (i >= 0) this.#idle.splice(i, 1)
    const token = this.#successors.get(worker)
    if (token) {
      this.#successors.delete(worker)
      token.old = null
      this.#spawning++
    }
    return true
  }

  /** Takes a worker out of service: replacement first, then a graceful stop (now, or once idle). */
  #retire(worker: Worker, reason?: RetireReason): void {
    if (reason) worker.setReason(reason)
    if (this.#forget(worker)) {
      this.#counters.retired++
      this.#retiring.add(worker)
      void worker.exited.finally(() => this.#retiring.delete(worker))
    }
    this.#ensureCapacity()
    if (worker.busy) {
      worker.retire()
      return
    }
    void this.#stopWorker(worker)
  }

  /**
   * A soft limit (supervisor, max_jobs): boot a successor; once it is up it takes the worker's place
   * and the worker stops gracefully, at once if idle, else after its request (marked `retiring`).
   * Until then the worker keeps serving, so the pool is never short of a worker, except for
   * max_jobs, whose worker takes no request past its last one.
   */
  #replace(worker: Worker, reason: RetireReason, detail: string): void {
    if (this.#destroyed || !this.#workers.has(worker)) return
    if (worker.reason === null) {
      worker.setReason(reason)
      this.#log[reason === 'max_jobs' ? 'debug' : 'info'](
        { pid: worker.pid, reason, busy: worker.busy },
        `replacing worker ${worker.pid}: ${reason} (${detail})`,
      )
    }
    if (reason === 'max_jobs' && worker.busy) worker.retire()
    // While boots fail, the backoff timer owns spawning; the worker keeps serving meanwhile.
    if (this.#successors.has(worker) || this.#retryTimer) return
    const token: SpawnToken = { old: worker }
    this.#successors.set(worker, token)
    void this.#spawn(token)
  }

  async #stopWhenIdle(worker: Worker): Promise<void> {
    if (worker.busy) {
      worker.retire()
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, this.#opts.destroyTimeoutMs)
      })
      await Promise.race([worker.exited, timeout])
      clearTimeout(timer)
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
      if (!this.#forget(w)) return
      if (this.#destroyed) return
      this.#counters.exited++
      const age = Date.now() - w.createdAt
      if (info.code !== null && !w.used && age < CRASH_AT_BOOT_MS) {
        // It exited by itself right after its handshake, before any request: a boot failure in
        // all but name. Back off like one, or a worker that dies at once would respawn in a loop.
        this.#bootFailed(
          new CourserError(
            'ERR_WORKER_BOOT_FAILED',
            `exited ${age} ms after start, before serving a request: ${cause.message}`,
            { cause },
          ),
        )
        return
      }
      this.#log.warn(
        { pid: w.pid, code: cause.code, exit: info, reason: w.reason ?? undefined },
        `worker exited: ${cause.message}`,
      )
      this.#ensureCapacity()
    }
    this.#workers.add(worker)
    if (this.#backoffMs > 0) {
      // The backoff ends once a worker proves healthy: not at its handshake, since a worker that
      // dies right after it must keep backing off (see onExit).
      setTimeout(() => {
        if (this.#workers.has(worker)) this.#backoffMs = 0
      }, CRASH_AT_BOOT_MS).unref()
    }
    this.#offer(worker)
  }

  #ensureCapacity(): void {
    if (this.#destroyed || this.#opts.debug || this.#retryTimer) return
    const missing = this.#numWorkers - this.#workers.size - this.#spawning
    for (let i = 0; i < missing; i++) void this.#spawnOne()
  }

  #spawnOne(): Promise<void> {
    this.#spawning++
    return this.#spawn({ old: null })
  }

  async #spawn(token: SpawnToken): Promise<void> {
    let worker: Worker
    try {
      worker = await Worker.start(this.#workerOptions())
    } catch (err) {
      this.#spawnSettled(token)
      this.#bootFailed(err as CourserError)
      return
    }
    this.#spawnSettled(token)
    if (this.#destroyed) {
      await this.#stopWorker(worker)
      return
    }
    this.#lastBootError = null
    const old = token.old
    if (old) {
      this.#adopt(worker)
      this.#retire(old)
    } else if (this.#workers.size >= this.#numWorkers) {
      // The gap was filled meanwhile (a reset, or the worker this one replaced came back counted).
      await this.#stopWorker(worker)
    } else {
      this.#adopt(worker)
    }
  }

  #spawnSettled(token: SpawnToken): void {
    if (token.old) this.#successors.delete(token.old)
    else this.#spawning--
  }

  #bootFailed(err: CourserError): void {
    this.#lastBootError = isCourserError(err)
      ? err
      : new CourserError('ERR_WORKER_BOOT_FAILED', String(err))
    if (this.#destroyed) return
    // One backoff step per round of boots: four workers failing together wait 100 ms, not 800.
    if (!this.#retryTimer) {
      this.#backoffMs = Math.min(
        this.#backoffMs ? this.#backoffMs * 2 : FIRST_BACKOFF_MS,
        MAX_BACKOFF_MS,
      )
    }
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
    const { cancel } = opts
    opts.onWorker?.(worker)
    const done = worker.exec(request, opts.onChunk)
    if (!cancel) return done
    const onCancel = (): void => worker.cancelStream(this.#opts.streamTimeoutMs)
    if (cancel.cancelled) onCancel()
    else cancel.onCancel = onCancel
    return done.finally(() => {
      cancel.onCancel = null
    })
  }

  async #execFresh(request: ExecRequest, opts: ExecOptions): Promise<Payload> {
    if (this.#destroyed) throw new CourserError('ERR_POOL_DESTROYED')
    const worker = await Worker.start(this.#workerOptions())
    this.#fresh.add(worker)
    void worker.exited.finally(() => this.#fresh.delete(worker))
    if (this.#destroyed) {
      await this.#stopWorker(worker)
      throw new CourserError('ERR_POOL_DESTROYED')
    }
    try {
      return await this.#run(worker, request, opts)
    } finally {
      void this.#stopWorker(worker)
    }
  }

  #workerOptions(): WorkerOptions {
    return {
      ...this.#opts.worker,
      execTtlMs: this.#opts.supervisor?.execTtlMs ?? 0,
      log: this.#opts.log,
    }
  }
}
