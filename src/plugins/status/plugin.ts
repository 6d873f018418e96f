// The status plugin (RR `status`): `/health` and `/ready` on `status.address`, JSON reports per
// plugin, filtered with `?plugin=http` (repeatable) as in RoadRunner.
//
//   /health  200 when the plugin serves and has at least one live worker (ready or working)
//   /ready   200 when the plugin has at least one worker in the `ready` state (idle)
//
// Otherwise, or for an unknown plugin, the answer is `unavailable_status_code` (default 503).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Plugin } from '../../container/index.ts'
import type { WorkerSource } from '../informer/workers.ts'
import { boundPort, closeServer, listenOn } from '../listen.ts'

export interface StatusOptions {
  /** host:port */
  address: string
  unavailableStatusCode: number
}

/** RR status `Report` (JSON tags plugin_name, error_message, status_code). */
export interface Report {
  plugin_name: string
  error_message: string
  status_code: number
}

type Check = 'health' | 'ready'

export class StatusPlugin implements Plugin {
  readonly name = 'status'
  #opts: StatusOptions
  #sources: readonly WorkerSource[]
  #log: Logger
  #server: Server | null = null
  #stopping = false

  constructor(opts: StatusOptions, sources: readonly WorkerSource[], log: Logger) {
    this.#opts = opts
    this.#sources = sources
    this.#log = log
  }

  get port(): number {
    return boundPort(this.#server)
  }

  async serve(): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res))
    this.#server = server
    await listenOn(server, this.#opts.address, 'status.address')
    this.#log.debug({ address: this.#opts.address, port: this.port }, 'status endpoint ready')
  }

  /** Called first on shutdown (the container stops in reverse order): probes fail from now on. */
  async stop(): Promise<void> {
    this.#stopping = true
    await closeServer(this.#server)
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://status')
    const check = url.pathname.replace(/\/+$/, '')
    if (check !== '/health' && check !== '/ready') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('use /health or /ready\n')
      return
    }
    const wanted = url.searchParams.getAll('plugin')
    const names = wanted.length ? wanted : this.#sources.map((s) => s.name)
    const reports = names.map((name) =>
      this.#report(name, check === '/health' ? 'health' : 'ready'),
    )
    const ok = reports.every((r) => r.status_code === 200)
    res
      .writeHead(ok ? 200 : this.#opts.unavailableStatusCode, {
        'Content-Type': 'application/json',
      })
      .end(JSON.stringify(reports))
  }

  #report(name: string, check: Check): Report {
    const unavailable = (message: string): Report => ({
      plugin_name: name,
      error_message: message,
      status_code: this.#opts.unavailableStatusCode,
    })
    const source = this.#sources.find((s) => s.name === name)
    if (!source) return unavailable(`plugin not found: ${name}`)
    if (this.#stopping) return unavailable('service is shutting down')
    const stats = source.pool?.stats()
    if (!stats) return unavailable('plugin is not serving')
    if (check === 'health' && stats.workers === 0) return unavailable('no live workers')
    if (check === 'ready' && stats.ready === 0) return unavailable('no ready workers')
    return { plugin_name: name, error_message: '', status_code: 200 }
  }
}
