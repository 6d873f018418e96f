// Socket relay: one TCP or unix-socket connection per worker, full duplex (spec §2.5).

import type { Socket } from 'node:net'
import { Relay } from './relay.ts'

export class SocketRelay extends Relay {
  #socket: Socket

  constructor(socket: Socket) {
    super()
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk, false))
    socket.on('close', () => this.closed_())
    socket.on('error', () => this.closed_())
  }

  send(frame: Buffer): void {
    if (!this.closed) this.#socket.write(frame)
  }

  pause(): void {
    this.#socket.pause()
  }

  resume(): void {
    this.#socket.resume()
  }

  close(): void {
    this.#socket.destroy()
    this.closed_()
  }
}
