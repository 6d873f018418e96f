// Pipes relay: frames to the worker's stdin, frames from its stdout (spec §2.4).

import type { Readable, Writable } from 'node:stream'
import { readTransient } from './fifo-pipes.ts'
import { Relay } from './relay.ts'

export class PipeRelay extends Relay {
  #stdin: Writable
  #stdout: Readable

  constructor(stdin: Writable, stdout: Readable) {
    super()
    this.#stdin = stdin
    this.#stdout = stdout
    if (!readTransient(stdout, (chunk) => this.receive(chunk, true))) {
      stdout.on('data', (chunk: Buffer) => this.receive(chunk, false))
    }
    stdout.on('end', () => this.closed_())
    stdout.on('error', () => this.closed_())
    // EPIPE when the worker died: the exit handler reports it, the relay just goes closed.
    stdin.on('error', () => this.closed_())
  }

  send(frame: Buffer): void {
    if (!this.closed) this.#stdin.write(frame)
  }

  pause(): void {
    this.#stdout.pause()
  }

  resume(): void {
    this.#stdout.resume()
  }

  close(): void {
    this.#stdin.end()
    this.#stdout.destroy()
    this.closed_()
  }
}
