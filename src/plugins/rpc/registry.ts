// Services and their methods, called by wire name `service.Method` (case-sensitive, like Go net/rpc).

import { Flag } from '../../protocol/index.ts'
import { codecName, decodeArgument, encodeReply } from './codec.ts'

/** A method gets the decoded argument (JSON value, or Buffer for RAW) and returns the reply. */
export type RpcMethod = (arg: unknown) => unknown

export class RpcRegistry {
  #methods = new Map<string, RpcMethod>()
  #services = new Set<string>()

  register(service: string, methods: Readonly<Record<string, RpcMethod>>): void {
    this.#services.add(service)
    for (const [name, fn] of Object.entries(methods)) this.#methods.set(`${service}.${name}`, fn)
  }

  methods(): string[] {
    return [...this.#methods.keys()].sort()
  }

  /** Runs one call; resolves with the encoded reply, rejects with the error text for the client. */
  async call(method: string, codec: number, body: Buffer): Promise<Buffer> {
    const fn = this.#lookup(method)
    if (codec !== Flag.CODEC_JSON && codec !== Flag.CODEC_RAW) {
      throw new Error(
        `courser does not support the ${codecName(codec)} codec for ${method}; use JSON (0x08) or raw (0x04)` +
          (codec === Flag.CODEC_GOB ? ' (Go clients such as the rr binary speak gob)' : ''),
      )
    }
    const reply = await fn(decodeArgument(codec, body))
    return encodeReply(codec, method, reply)
  }

  #lookup(method: string): RpcMethod {
    const dot = method.lastIndexOf('.')
    if (dot < 0) throw new Error(`rpc: service/method request ill-formed: ${method}`)
    if (!this.#services.has(method.slice(0, dot))) {
      throw new Error(`rpc: can't find service ${method}`)
    }
    const fn = this.#methods.get(method)
    if (!fn) throw new Error(`rpc: can't find method ${method}`)
    return fn
  }
}
