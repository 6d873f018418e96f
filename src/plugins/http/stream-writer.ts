// Writes a streamed worker response (frames with the STREAM bit) to the client as frames arrive,
// with backpressure: a slow client pauses reading from the worker (spec §3.7, §4.8).

import type { ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Payload } from '../../protocol/index.ts'
import type { Worker } from '../../worker/index.ts'
import type { CancelToken } from '../../pool/index.ts'
import { parseResponseContext } from './response.ts'

export class StreamWriter implements CancelToken {
  #res: ServerResponse
  #log: Logger
  #worker: Worker | null = null
  #paused = false
  /** Status once the final (non-1xx) head was written; 0 while nothing was. */
  status = 0
  /** CancelToken: set when the client left before the response was finished. */
  cancelled = false
  onCancel: (() => void) | null = null

  constructor(res: ServerResponse, log: Logger) {
    this.#res = res
    this.#log = log
    res.on('close', () => {
      if (!res.writableFinished) this.#cancel()
      this.#resume()
    })
  }

  /** ExecOptions: this writer is also the request's cancel token. */
  get cancel(): CancelToken {
    return this
  }

  #cancel(): void {
    this.cancelled = true
    this.onCancel?.()
  }

  get started(): boolean {
    return this.status !== 0
  }

  readonly onWorker = (worker: Worker): void => {
    this.#worker = worker
  }

  /** Called from the worker's frame handler: must not throw. */
  readonly onChunk = (payload: Payload, last: boolean): void => {
    const res = this.#res
    try {
      if (!this.status) {
        const { status, headers } = parseResponseContext(payload)
        if (status >= 100 && status < 200 && !last) {
          // Interim response (103 Early Hints and friends): headers now, the real head follows.
          if (status === 103) res.writeEarlyHints(toHintHeaders(headers))
          return
        }
        if (!Number.isInteger(status) || status < 200 || status > 599) {
          throw new Error(`unknown status code from worker: ${status}`)
        }
        this.status = status
        res.writeHead(status, headers)
      }
      if (payload.body.length && !res.destroyed && !res.write(payload.body) && !last) {
        this.#pause()
      }
      // A compressing middleware buffers output: push each frame out as it arrives.
      if (!last) (res as { flush?: () => void }).flush?.()
      if (last) res.end()
    } catch (err) {
      this.#log.error({ err: (err as Error).message }, 'cannot write streamed response')
      this.#cancel()
      if (!res.headersSent) {
        // Nothing sent yet: answer 500 now, as writeResponse does for a bad status.
        this.status = 500
        res.writeHead(500, { 'Content-Length': 0 })
        res.end()
      } else res.destroy()
    }
  }

  #pause(): void {
    if (this.#paused || !this.#worker) return
    this.#paused = true
    this.#worker.pauseOutput()
    this.#res.once('drain', () => this.#resume())
  }

  #resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#worker?.resumeOutput()
  }
}

function toHintHeaders(flat: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0; i < flat.length; i += 2) {
    // Node's writeEarlyHints looks the Link header up as `link`.
    const name = flat[i]!.toLowerCase()
    const prev = out[name]
    out[name] = prev === undefined ? flat[i + 1]! : [...[prev].flat(), flat[i + 1]!]
  }
  return out
}
