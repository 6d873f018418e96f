// A goridge RPC client (JSON codec by default) for the CLI and tests. Calls are pipelined on one
// connection and matched to replies by seq, so replies may arrive in any order.

import { connect, type Socket } from 'node:net'
import { CourserError } from '../../errors.ts'
import { Flag, FrameDecoder } from '../../protocol/index.ts'
import { parseListenAddress } from '../../config/index.ts'
import { encodeRpcFrame, parseRpcFrame, type RpcMessage } from './frame.ts'

interface Pending {
  resolve(msg: RpcMessage): void
  reject(err: Error): void
}

export class RpcClient {
  #socket: Socket
  #seq = 0
  #pending = new Map<number, Pending>()
  #closed: Error | null = null

  private constructor(socket: Socket) {
    this.#socket = socket
    const decoder = new FrameDecoder()
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (frame) => this.#onReply(parseRpcFrame(frame)))
      } catch (err) {
        this.#fail(err as Error)
        socket.destroy()
      }
    })
    socket.on('error', (err) => this.#fail(err))
    socket.on('close', () => this.#fail(new CourserError('ERR_RPC_CONNECT', 'connection closed')))
  }

  /** Connects to `tcp://host:port` or `unix://path`. */
  static connect(address: string, timeoutMs = 5000): Promise<RpcClient> {
    const parsed = parseListenAddress(address)
    if (!parsed) {
      return Promise.reject(
        new CourserError(
          'ERR_RPC_CONNECT',
          `${JSON.stringify(address)} is not tcp://host:port or unix://path`,
        ),
      )
    }
    return new Promise((resolve, reject) => {
      const socket =
        parsed.network === 'unix'
          ? connect(parsed.path)
          : connect({ host: parsed.host || '127.0.0.1', port: parsed.port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(
          new CourserError('ERR_RPC_CONNECT', `${address}: no connection within ${timeoutMs} ms`),
        )
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.setNoDelay(true)
        resolve(new RpcClient(socket))
      })
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(new CourserError('ERR_RPC_CONNECT', `${address}: ${err.message}`, { cause: err }))
      })
    })
  }

  /** Calls with the JSON codec; an error reply rejects with ERR_RPC_CALL carrying the server's text. */
  async call<T = unknown>(method: string, arg?: unknown): Promise<T> {
    const body = arg === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(arg))
    const reply = await this.callRaw(method, body, Flag.CODEC_JSON)
    return JSON.parse(reply.toString('utf8')) as T
  }

  /** Sends an already-encoded argument with the given codec flags; resolves with the reply body. */
  async callRaw(method: string, body: Uint8Array, codec: number): Promise<Buffer> {
    const reply = await this.send(method, body, codec)
    if (reply.flags & Flag.ERROR) {
      throw new CourserError('ERR_RPC_CALL', `${method}: ${reply.body.toString('utf8')}`)
    }
    return reply.body
  }

  /** Sends one request and resolves with the raw reply message (ERROR flag included). */
  send(method: string, body: Uint8Array, codec: number): Promise<RpcMessage> {
    if (this.#closed) return Promise.reject(this.#closed)
    const seq = ++this.#seq
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject })
      this.#socket.write(encodeRpcFrame({ seq, method, codec, body }))
    })
  }

  close(): void {
    this.#socket.end()
  }

  #onReply(msg: RpcMessage): void {
    const pending = this.#pending.get(msg.seq)
    if (!pending) return
    this.#pending.delete(msg.seq)
    pending.resolve(msg)
  }

  #fail(err: Error): void {
    this.#closed ??= err
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }
}
