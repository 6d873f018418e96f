// The metrics plugin: Prometheus text on `metrics.address` (any path; scrape /metrics). Worker pool
// metrics, HTTP request metrics, and application collectors declared in `metrics.collect` or over
// RPC (`metrics.*`).

import { createServer, type Server } from 'node:http'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Plugin } from '../../container/index.ts'
import { CourserError } from '../../errors.ts'
import type { HttpObserver } from '../http/request-log.ts'
import type { WorkerSource } from '../informer/workers.ts'
import { boundPort, closeServer, listenOn } from '../listen.ts'
import { AppMetrics, parseCollectorSpec } from './app-metrics.ts'
import { PoolMetrics, httpRequestMetrics } from './pool-metrics.ts'

export interface MetricsOptions {
  /** host:port */
  address: string
  /** `metrics.collect`: collectors declared at startup. */
  collect?: Record<string, unknown>
}

export class MetricsPlugin implements Plugin {
  readonly name = 'metrics'
  readonly registry = new Registry()
  readonly app = new AppMetrics(this.registry)
  #opts: MetricsOptions
  #log: Logger
  #pools: PoolMetrics
  #server: Server | null = null
  #httpObserver: HttpObserver | null = null

  constructor(opts: MetricsOptions, sources: readonly WorkerSource[], log: Logger) {
    this.#opts = opts
    this.#log = log
    this.#pools = new PoolMetrics(sources, this.registry)
    for (const [name, raw] of Object.entries(opts.collect ?? {})) {
      try {
        this.app.declare(name, parseCollectorSpec(raw, `metrics.collect.${name}`))
      } catch (err) {
        throw new CourserError('ERR_CONFIG', (err as Error).message)
      }
    }
  }

  /** The observer to attach to the http plugin (request count and duration by status). */
  httpObserver(): HttpObserver {
    return (this.#httpObserver ??= httpRequestMetrics(this.registry))
  }

  /** The bound port (useful when the address asked for port 0). */
  get port(): number {
    return boundPort(this.#server)
  }

  async serve(): Promise<void> {
    const server = createServer((req, res) => {
      this.#pools
        .refresh()
        .then(() => this.registry.metrics())
        .then(
          (text) => {
            res.writeHead(200, { 'Content-Type': this.registry.contentType })
            res.end(req.method === 'HEAD' ? undefined : text)
          },
          (err: unknown) => {
            this.#log.error({ err: (err as Error).message }, 'metrics collection failed')
            res.writeHead(500).end()
          },
        )
    })
    this.#server = server
    await listenOn(server, this.#opts.address, 'metrics.address')
    this.#log.debug({ address: this.#opts.address, port: this.port }, 'metrics endpoint ready')
  }

  async stop(): Promise<void> {
    await closeServer(this.#server)
  }
}
