// A Relay carries whole frames both ways between the server and one worker process.

import type { CourserError } from '../errors.ts'
import { FrameDecoder, type Frame } from '../protocol/index.ts'

export interface RelayHandlers {
  frame(frame: Frame): void
  /** The byte stream is not goridge framing any more; `pending` holds the offending bytes. */
  garbage(error: CourserError, pending: Buffer): void
  /** The peer closed its side or the connection broke. */
  close(): void
}

const NOOP: RelayHandlers = { frame() {}, garbage() {}, close() {} }

export abstract class Relay {
  #decoder = new FrameDecoder()
  #handlers: RelayHandlers = NOOP
  /** Created once per setHandlers, not per chunk: the hot path allocates no closure. */
  #emitFrame: (frame: Frame) => void = () => {}
  #closed = false

  setHandlers(handlers: RelayHandlers): void {
    this.#handlers = handlers
    this.#emitFrame = (frame) => handlers.frame(frame)
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Writes one encoded frame with one write call. */
  abstract send(frame: Buffer): void
  abstract close(): void
  /** Stop/restart reading from the peer (backpressure from a slow HTTP client). */
  abstract pause(): void
  abstract resume(): void

  /** Bytes received after the decoder failed (stray output keeps arriving until the process dies). */
  protected receive(chunk: Buffer): void {
    if (this.#decoder.failed) {
      this.#handlers.garbage(this.#decoder.failed, chunk)
      return
    }
    try {
      this.#decoder.push(chunk, this.#emitFrame)
    } catch (err) {
      this.#handlers.garbage(err as CourserError, this.#decoder.pending())
    }
  }

  protected closed_(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handlers.close()
  }
}
