// Listens for worker connections (TCP or unix socket), runs the pid handshake on each, and hands
// the relay to whoever spawned the process with that pid (spec §2.5).

import { createServer, type Server, type Socket } from 'node:net'
import { rmSync } from 'node:fs'
import { CourserError } from '../errors.ts'
import { encodePidRequest, parsePidReply } from '../protocol/index.ts'
import type { RelayAddress } from './address.ts'
import { SocketRelay } from './socket-relay.ts'

interface Claim {
  resolve(relay: SocketRelay): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

export class SocketListener {
  #server: Server
  #claims = new Map<number, Claim>()
  /** Connections whose handshake finished before anyone claimed the pid. */
  #unclaimed = new Map<number, SocketRelay>()
  #address: Exclude<RelayAddress, { kind: 'pipes' }>
  /** What workers get as RR_RELAY (the real port once listening, when 0 was asked for). */
  relayAddress = ''

  constructor(address: Exclude<RelayAddress, { kind: 'pipes' }>) {
    this.#address = address
    this.#server = createServer((socket) => this.#accept(socket))
  }

  async listen(): Promise<void> {
    const a = this.#address
    if (a.kind === 'unix') rmSync(a.path, { force: true })
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      const done = (): void => {
        this.#server.off('error', reject)
        resolve()
      }
      if (a.kind === 'unix') this.#server.listen(a.path, done)
      else this.#server.listen({ host: a.host, port: a.port }, done)
    })
    const bound = this.#server.address()
    this.relayAddress =
      a.kind === 'unix'
        ? `unix://${a.path}`
        : `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${typeof bound === 'object' && bound ? bound.port : a.port}`
  }

  /** Resolves with the relay of the worker whose handshake reports `pid`. */
  claim(pid: number, timeoutMs: number): Promise<SocketRelay> {
    const ready = this.#unclaimed.get(pid)
    if (ready) {
      this.#unclaimed.delete(pid)
      return Promise.resolve(ready)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#claims.delete(pid)
        reject(
          new CourserError(
            'ERR_WORKER_HANDSHAKE',
            `pid ${pid} did not connect to ${this.relayAddress} within ${timeoutMs} ms`,
          ),
        )
      }, timeoutMs)
      this.#claims.set(pid, { resolve, reject, timer })
    })
  }

  /** Gives up waiting for `pid` (its process exited). */
  cancel(pid: number, err: Error): void {
    const claim = this.#claims.get(pid)
    if (!claim) return
    clearTimeout(claim.timer)
    this.#claims.delete(pid)
    claim.reject(err)
  }

  async close(): Promise<void> {
    for (const relay of this.#unclaimed.values()) relay.close()
    this.#unclaimed.clear()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    if (this.#address.kind === 'unix') rmSync(this.#address.path, { force: true })
  }

  #accept(socket: Socket): void {
    const relay = new SocketRelay(socket)
    const fail = (): void => relay.close()
    relay.setHandlers({
      frame: (frame) => {
        let pid: number
        try {
          pid = parsePidReply(frame)
        } catch {
          fail()
          return
        }
        relay.setHandlers({ frame() {}, garbage: fail, close() {} })
        const claim = this.#claims.get(pid)
        if (claim) {
          clearTimeout(claim.timer)
          this.#claims.delete(pid)
          claim.resolve(relay)
        } else {
          this.#unclaimed.set(pid, relay)
          // Nobody spawned this pid (or it timed out): drop it after a grace period.
          setTimeout(() => {
            if (this.#unclaimed.get(pid) === relay) {
              this.#unclaimed.delete(pid)
              relay.close()
            }
          }, 5000).unref()
        }
      },
      garbage: fail,
      close() {},
    })
    relay.send(encodePidRequest(process.pid))
  }
}
