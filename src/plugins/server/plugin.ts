// The server plugin: how workers are started (command, env, relay) and the pools built from that.

import type { Logger } from 'pino'
import type { Plugin } from '../../container/index.ts'
import { Pool, type PoolOptions } from '../../pool/index.ts'
import { SocketListener, parseRelayAddress } from '../../transport/index.ts'
import { schedBatchAvailable, type SchedPolicy } from '../../worker/index.ts'
import { RR_COMPAT_VERSION } from '../../version.ts'

export interface ServerOptions {
  command: readonly string[]
  /** server.env, keys already upper-cased. */
  env: Readonly<Record<string, string>>
  /** pipes | tcp://host:port | unix://path */
  relay: string
  /** Working directory of every worker. */
  cwd: string
  /** rpc.listen when set explicitly; exported as RR_RPC. A function is read when a pool is created
   * (the rpc plugin's bound address, which differs from rpc.listen when that asks for port 0). */
  rpc?: string | (() => string)
  /** server.sched_policy (a Courser extension); default `normal` here, `batch` from a config. */
  schedPolicy?: SchedPolicy
}

export type PoolSettings = Omit<PoolOptions, 'worker' | 'log' | 'name'> & {
  /** http.pool.command overrides server.command. */
  command?: readonly string[]
}

export class ServerPlugin implements Plugin {
  readonly name = 'server'
  #opts: ServerOptions
  #log: Logger
  #listener: SocketListener | null = null

  constructor(opts: ServerOptions, log: Logger) {
    this.#opts = opts
    this.#log = log
    const address = parseRelayAddress(opts.relay)
    if (address.kind !== 'pipes') this.#listener = new SocketListener(address)
  }

  async serve(): Promise<void> {
    if (this.#opts.schedPolicy === 'batch' && !(await schedBatchAvailable())) {
      this.#log.warn(
        'server.sched_policy is batch, but workers cannot be started under SCHED_BATCH here (not Linux, no chrt, or not permitted); they run with the normal policy',
      )
    }
    if (!this.#listener) return
    await this.#listener.listen()
    this.#log.debug({ relay: this.#listener.relayAddress }, 'relay listener ready')
  }

  async stop(): Promise<void> {
    await this.#listener?.close()
  }

  /**
   * A pool whose workers run in `mode` (RR_MODE) with this server's command, env and relay. Pools and
   * workers log through the server plugin's logger, as in RoadRunner (worker output has
   * `logger: "server"`); the `_log` argument is kept for callers and ignored.
   */
  createPool(mode: string, settings: PoolSettings, _log?: Logger): Pool {
    const log = this.#log
    const rpc = typeof this.#opts.rpc === 'function' ? this.#opts.rpc() : this.#opts.rpc
    const env: Record<string, string> = {
      RR_RELAY: this.#listener ? this.#listener.relayAddress : 'pipes',
      ...(rpc ? { RR_RPC: rpc } : {}),
      ...this.#opts.env,
      RR_VERSION: RR_COMPAT_VERSION,
      RR_MODE: mode,
    }
    const { command, ...pool } = settings
    return new Pool({
      ...pool,
      name: mode,
      log,
      worker: {
        command: command ?? this.#opts.command,
        cwd: this.#opts.cwd,
        env,
        relay: this.#listener ?? 'pipes',
        schedPolicy: this.#opts.schedPolicy ?? 'normal',
        bootTimeoutMs: settings.allocateTimeoutMs,
      },
    })
  }
}
