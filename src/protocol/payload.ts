// Payload = context + body, the unit a worker executes (spec §3.2).

import { CourserError } from '../errors.ts'
import { Flag } from './flags.ts'
import type { Frame } from './frame.ts'

export interface Payload {
  /** Request/response metadata (JSON or protobuf, per `codec`). */
  readonly context: Buffer
  readonly body: Buffer
  /** Frame flags byte: the codec bits. */
  readonly codec: number
  /** Frame byte 10: STREAM/PING bits. */
  readonly stream: number
}

/** The context PHP's `Worker::stop()` sends as a normal response to ask to be recycled (spec §3.3). */
export const STOP_REQUEST_CONTEXT = '{"stop":true}'

/** Splits a response frame into a Payload. ERROR frames must be handled by the caller first. */
export function payloadFromFrame(frame: Frame): Payload {
  if (frame.options.length !== 1) {
    throw new CourserError('ERR_PAYLOAD_BAD_OPTIONS', `got ${frame.options.length} options`)
  }
  const ctxLen = frame.options[0]!
  if (ctxLen > frame.payload.length) {
    throw new CourserError(
      'ERR_PAYLOAD_BAD_OPTIONS',
      `context length ${ctxLen} exceeds payload length ${frame.payload.length}`,
    )
  }
  return {
    context: frame.payload.subarray(0, ctxLen),
    body: frame.payload.subarray(ctxLen),
    codec: frame.flags & ~(Flag.CONTROL | Flag.ERROR),
    stream: frame.stream,
  }
}

export function isStopRequest(payload: Payload): boolean {
  return (
    payload.body.length === 0 &&
    payload.context.length === STOP_REQUEST_CONTEXT.length &&
    payload.context.toString('latin1') === STOP_REQUEST_CONTEXT
  )
}
