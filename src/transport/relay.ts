// A Relay carries whole frames both ways between the server and one worker process.

import type { CourserError } from '../errors.ts'
import { FrameDecoder, type Frame } from '../protocol/index.ts'

export interface RelayHandlers {
  frame(frame: Frame): void
  /** The byte stream is not goridge framing any more; `pending` holds the offending bytes. */
  garbage(error: CourserError, pending: Buffer): void
  /** The peer closed its side or the connection broke. */
  close(): void
  /** After each chunk: how many bytes are held that are not yet a whole frame (stall watchdog). */
  received?(buffered: number): void
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

  /** Bytes received that are not yet a whole frame: a copy (for a stray-output report). */
  pendingBytes(): Buffer {
    return this.#decoder.pending()
  }

  /**
   * Feeds received bytes to the decoder. `transient`: the chunk is a view of a reused read buffer,
   * valid only during this call. After the decoder failed, bytes go to the garbage handler (stray
   * output keeps arriving until the process dies).
   */
  protected receive(chunk: Buffer, transient: boolean): void {
    if (this.#decoder.failed) {
      this.#handlers.garbage(this.#decoder.failed, transient ? Buffer.from(chunk) : chunk)
      return
    }
    try {
      this.#decoder.push(chunk, this.#emitFrame, transient)
    } catch (err) {
      this.#handlers.garbage(err as CourserError, this.#decoder.pending())
      return
    }
    this.#handlers.received?.(this.#decoder.buffered)
  }

  protected closed_(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handlers.close()
  }
}
