// Worker-pool and request metrics under RoadRunner's names (`rr_<plugin>_…`, HTTP `metrics.go` and
// the http_metrics middleware). Worker figures are read once per scrape (see refresh()).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { HttpObserver, RequestEvent } from '../http/request-log.ts'
import { processStates, type ProcessState, type WorkerSource } from '../informer/workers.ts'

const NO_WORKERS = new Set(['ERR_POOL_NO_WORKERS', 'ERR_POOL_QUEUE_FULL', 'ERR_POOL_BOOT_FAILING'])
const startedAt = Date.now()

export class PoolMetrics {
  #sources: readonly WorkerSource[]
  #snapshot = new Map<string, ProcessState[]>()

  constructor(sources: readonly WorkerSource[], registry: Registry) {
    this.#sources = sources
    for (const source of sources) this.#register(source, registry)
  }

  /** Reads every pool's workers (and their /proc figures) once, before a scrape. */
  async refresh(): Promise<void> {
    const entries = await Promise.all(
      this.#sources.map(async (s) => [s.name, s.pool ? await processStates(s.pool) : []] as const),
    )
    this.#snapshot = new Map(entries)
  }

  #register(source: WorkerSource, registry: Registry): void {
    const name = source.name
    const workers = (): ProcessState[] => this.#snapshot.get(name) ?? []
    const gauge = (suffix: string, help: string, value: (ws: ProcessState[]) => number): Gauge =>
      new Gauge({
        name: `rr_${name}_${suffix}`,
        help,
        registers: [registry],
        collect() {
          this.set(value(workers()))
        },
      })
    gauge('total_workers', `Total number of workers used by the ${name} plugin`, (ws) => ws.length)
    gauge('workers_memory_bytes', `Memory usage by ${name} workers`, (ws) =>
      ws.reduce((sum, w) => sum + w.memoryUsage, 0),
    )
    gauge(
      'workers_ready',
      `${name} workers currently in ready state`,
      (ws) => ws.filter((w) => w.statusStr === 'ready').length,
    )
    gauge(
      'workers_working',
      `${name} workers currently in working state`,
      (ws) => ws.filter((w) => w.statusStr === 'working').length,
    )
    gauge(
      'workers_invalid',
      `${name} workers in any other state`,
      (ws) => ws.filter((w) => w.statusStr !== 'ready' && w.statusStr !== 'working').length,
    )
    const perWorker = (suffix: string, help: string, labels: string[], fill: (g: Gauge) => void) =>
      new Gauge({
        name: `rr_${name}_${suffix}`,
        help,
        labelNames: labels,
        registers: [registry],
        collect() {
          this.reset()
          fill(this)
        },
      })
    perWorker('worker_state', 'Worker current state (1 per worker)', ['state', 'pid'], (g) => {
      for (const w of workers()) g.set({ state: w.statusStr, pid: String(w.pid) }, 1)
    })
    perWorker('worker_memory_bytes', 'Worker current memory usage (RSS)', ['pid'], (g) => {
      for (const w of workers()) g.set({ pid: String(w.pid) }, w.memoryUsage)
    })
    perWorker('worker_execs', 'Requests executed by the worker', ['pid'], (g) => {
      for (const w of workers()) g.set({ pid: String(w.pid) }, w.numExecs)
    })
    new Gauge({
      name: `rr_${name}_requests_queue`,
      help: 'Requests waiting for a free worker',
      registers: [registry],
      collect() {
        this.set(source.pool?.stats().queued ?? 0)
      },
    })
  }
}

/** rr_http_request_total / _duration_seconds by status, rr_http_no_free_workers_total, uptime. */
export function httpRequestMetrics(registry: Registry): HttpObserver {
  const total = new Counter({
    name: 'rr_http_request_total',
    help: 'Total number of handled http requests after server restart',
    labelNames: ['status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'rr_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['status'],
    registers: [registry],
  })
  const noWorkers = new Counter({
    name: 'rr_http_no_free_workers_total',
    help: 'Requests answered because no worker was free (allocate_timeout, max_queue_size)',
    registers: [registry],
  })
  new Gauge({
    name: 'rr_http_uptime_seconds',
    help: 'Uptime in seconds',
    registers: [registry],
    collect() {
      this.set((Date.now() - startedAt) / 1000)
    },
  })
  return {
    onRequest(event: RequestEvent): void {
      const status = String(event.status)
      total.inc({ status })
      duration.observe({ status }, event.seconds)
      if (event.code && NO_WORKERS.has(event.code)) noWorkers.inc()
    },
  }
}
