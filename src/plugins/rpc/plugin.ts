// The rpc plugin (spec §5): goridge RPC on `rpc.listen`. Other plugins register services on it
// before it serves; `rpc.Version` and `rpc.Config` are its own.

import type { Logger } from 'pino'
import type { Plugin } from '../../container/index.ts'
import { CourserError } from '../../errors.ts'
import { parseListenAddress } from '../../config/index.ts'
import { RR_COMPAT_VERSION } from '../../version.ts'
import { RpcRegistry, type RpcMethod } from './registry.ts'
import { RpcServer } from './server.ts'

export interface RpcOptions {
  /** tcp://host:port or unix://path */
  listen: string
  /** The effective configuration, served by `rpc.Config` as JSON bytes. */
  config?: unknown
}

export class RpcPlugin implements Plugin {
  readonly name = 'rpc'
  #opts: RpcOptions
  #log: Logger
  #registry = new RpcRegistry()
  #server: RpcServer
  #address = ''

  constructor(opts: RpcOptions, log: Logger) {
    this.#opts = opts
    this.#log = log
    this.#server = new RpcServer(this.#registry, log)
    this.register('rpc', {
      Version: () => RR_COMPAT_VERSION,
      Config: () => Buffer.from(JSON.stringify(opts.config ?? {})),
    })
  }

  /** Adds `service.Method` handlers; call before serve(). */
  register(service: string, methods: Readonly<Record<string, RpcMethod>>): void {
    this.#registry.register(service, methods)
  }

  /** The listening address, with the real port when `rpc.listen` asked for port 0. */
  get address(): string {
    return this.#address || this.#opts.listen
  }

  async serve(): Promise<void> {
    const address = parseListenAddress(this.#opts.listen)
    if (!address) {
      throw new CourserError('ERR_LISTEN', `rpc.listen: ${JSON.stringify(this.#opts.listen)}`)
    }
    this.#address = await this.#server.listen(address, 'rpc.listen')
    this.#log.debug({ address: this.#address }, 'rpc server ready')
  }

  async stop(): Promise<void> {
    await this.#server.close()
  }
}
