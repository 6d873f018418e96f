// RPC frames (spec §5.2, §5.3): options [seq, method length], payload = method name + argument.
// The byte layout is the goridge frame from src/protocol; this only splits and joins the payload.

import { CourserError } from '../../errors.ts'
import { Flag, encodeFrame, type Frame } from '../../protocol/index.ts'

export interface RpcMessage {
  seq: number
  /** `service.Method`, e.g. `informer.Workers`. */
  method: string
  /** Flags byte as received: codec bits, maybe ERROR. */
  flags: number
  /** The encoded argument (request) or reply / error text (response). */
  body: Buffer
}

/** Splits an RPC frame; throws ERR_RPC_FRAME when it is not one (the connection must then close). */
export function parseRpcFrame(frame: Frame): RpcMessage {
  if (frame.options.length !== 2) {
    throw new CourserError(
      'ERR_RPC_FRAME',
      `expected 2 options (seq, method length), got ${frame.options.length}`,
    )
  }
  const [seq, methodLength] = frame.options as [number, number]
  if (methodLength > frame.payload.length) {
    throw new CourserError(
      'ERR_RPC_FRAME',
      `method length ${methodLength} exceeds payload length ${frame.payload.length}`,
    )
  }
  return {
    seq,
    method: frame.payload.toString('utf8', 0, methodLength),
    flags: frame.flags,
    body: frame.payload.subarray(methodLength),
  }
}

/** One RPC frame: a request (client) or a reply (server; `error` sets the ERROR flag). */
export function encodeRpcFrame(msg: {
  seq: number
  method: string
  codec: number
  body: Uint8Array | string
  error?: boolean
}): Buffer {
  const method = Buffer.from(msg.method, 'utf8')
  const body = typeof msg.body === 'string' ? Buffer.from(msg.body, 'utf8') : msg.body
  return encodeFrame({
    flags: msg.codec | (msg.error ? Flag.ERROR : 0),
    options: [msg.seq, method.length],
    payload: Buffer.concat([method, body]),
  })
}
