// The RPC listener: one FrameDecoder per connection, calls run concurrently, replies go out as each
// call finishes (so possibly out of order), echoing seq and method. A framing error closes the
// connection (Go net/rpc stops reading after a header error); a failing call does not.

import { createServer, type Server, type Socket } from 'node:net'
import { rmSync } from 'node:fs'
import type { Logger } from 'pino'
import { CourserError } from '../../errors.ts'
import { FrameDecoder, type Frame } from '../../protocol/index.ts'
import type { ListenAddress } from '../../config/index.ts'
import { requestCodec } from './codec.ts'
import { encodeRpcFrame, parseRpcFrame } from './frame.ts'
import type { RpcRegistry } from './registry.ts'

export class RpcServer {
  #server: Server
  #registry: RpcRegistry
  #log: Logger
  #sockets = new Set<Socket>()

  constructor(registry: RpcRegistry, log: Logger) {
    this.#registry = registry
    this.#log = log
    this.#server = createServer((socket) => this.#accept(socket))
  }

  /** Listens; resolves with the bound address as a DSN (the real port when 0 was asked for). */
  async listen(address: ListenAddress, configKey: string): Promise<string> {
    if (address.network === 'unix') rmSync(address.path, { force: true })
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new CourserError('ERR_LISTEN', `${configKey}: ${describe(address)}: ${err.message}`, {
            cause: err,
          }),
        )
      this.#server.once('error', onError)
      const done = (): void => {
        this.#server.off('error', onError)
        resolve()
      }
      if (address.network === 'unix') this.#server.listen(address.path, done)
      else this.#server.listen({ host: address.host || undefined, port: address.port }, done)
    })
    const bound = this.#server.address()
    if (address.network === 'unix') return `unix://${address.path}`
    const host = address.host || '127.0.0.1'
    const port = typeof bound === 'object' && bound ? bound.port : address.port
    return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    // Clients that keep their connection (workers, `courser workers -i`) must not hold up the stop.
    for (const socket of this.#sockets) {
      socket.end()
      setTimeout(() => socket.destroy(), 500).unref()
    }
    await closed
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder()
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (frame) => this.#onFrame(socket, frame))
      } catch (err) {
        this.#dropConnection(socket, err)
      }
    })
    socket.on('error', () => {}) // a client that goes away is not our error; 'close' cleans up
    socket.on('close', () => this.#sockets.delete(socket))
  }

  #onFrame(socket: Socket, frame: Frame): void {
    const request = parseRpcFrame(frame) // throws: the caller drops the connection
    const codec = requestCodec(request.flags)
    const reply = (body: Buffer | string, error: boolean): void => {
      if (socket.destroyed || socket.writableEnded) return
      socket.write(encodeRpcFrame({ seq: request.seq, method: request.method, codec, body, error }))
    }
    this.#registry.call(request.method, codec, request.body).then(
      (body) => reply(body, false),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err)
        this.#log.debug({ method: request.method, seq: request.seq, err: message }, 'rpc error')
        reply(message, true)
      },
    )
  }

  #dropConnection(socket: Socket, err: unknown): void {
    this.#log.warn(
      { code: err instanceof CourserError ? err.code : undefined, remote: socket.remoteAddress },
      `closing RPC connection: ${(err as Error).message}`,
    )
    socket.destroy()
  }
}

function describe(address: ListenAddress): string {
  return address.network === 'unix'
    ? `unix://${address.path}`
    : `tcp://${address.host}:${address.port}`
}
