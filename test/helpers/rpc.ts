// An RpcPlugin on 127.0.0.1:0 in front of a real http plugin and PHP workers, with the informer,
// resetter and metrics services, torn down in t.after(); plus a raw-socket RPC peer for framing tests.

import { connect, type Socket } from 'node:net'
import type { TestContext } from 'node:test'
import { FrameDecoder } from '../../src/protocol/index.ts'
import { informerService } from '../../src/plugins/informer/service.ts'
import { AppMetrics } from '../../src/plugins/metrics/app-metrics.ts'
import { metricsService } from '../../src/plugins/metrics/service.ts'
import { resetterService } from '../../src/plugins/resetter/service.ts'
import { RpcClient } from '../../src/plugins/rpc/client.ts'
import { parseRpcFrame, type RpcMessage } from '../../src/plugins/rpc/frame.ts'
import { RpcPlugin } from '../../src/plugins/rpc/plugin.ts'
import { Registry } from 'prom-client'
import { startHttp, type HttpHarness } from './http.ts'
import { captureLogger } from './log.ts'
import type { PoolSettings } from '../../src/plugins/server/plugin.ts'

export interface RpcHarness extends HttpHarness {
  rpc: RpcPlugin
  client: RpcClient
  registry: Registry
}

export async function startRpc(
  t: TestContext,
  opts: { listen?: string; pool?: Partial<PoolSettings> } = {},
): Promise<RpcHarness> {
  const harness = await startHttp(t, { pool: opts.pool })
  const { log } = captureLogger()
  const rpc = new RpcPlugin(
    { listen: opts.listen ?? 'tcp://127.0.0.1:0', config: { version: '3' } },
    log,
  )
  const registry = new Registry()
  rpc.register(
    'informer',
    informerService(() => [harness.http]),
  )
  rpc.register(
    'resetter',
    resetterService(() => [harness.http]),
  )
  rpc.register('metrics', metricsService(new AppMetrics(registry)))
  await rpc.serve()
  t.after(() => rpc.stop())
  const client = await RpcClient.connect(rpc.address)
  t.after(() => client.close())
  return { ...harness, rpc, client, registry }
}

/** A bare socket to the RPC server: write any bytes, read whole RPC replies, see the close. */
export class RawPeer {
  readonly socket: Socket
  readonly replies: RpcMessage[] = []
  #waiters: (() => void)[] = []
  closed: Promise<void>

  private constructor(socket: Socket) {
    this.socket = socket
    const decoder = new FrameDecoder()
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (frame) => this.replies.push(parseRpcFrame(frame)))
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
  }

  static async open(t: TestContext, address: string): Promise<RawPeer> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(address)
    const socket = m
      ? connect({ host: m[1]!, port: Number(m[2]) })
      : connect(address.slice('unix://'.length))
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    t.after(() => socket.destroy())
    return new RawPeer(socket)
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /** Resolves once `n` replies have arrived (rejects after `timeoutMs`). */
  async waitReplies(n: number, timeoutMs = 5000): Promise<RpcMessage[]> {
    const deadline = Date.now() + timeoutMs
    while (this.replies.length < n) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`got ${this.replies.length} of ${n} RPC replies`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.replies
  }
}
