// One goridge frame: 12-byte little-endian header, 0..10 option words, payload. Pure bytes, no I/O.
//
//  byte 0        1      2..5            6..9               10       11     12..12+4n   ...
//  +-------------+------+---------------+------------------+--------+------+-----------+---------+
//  | ver<<4 | HL | flags| payload len   | CRC32(bytes 0-5) | stream | 0    | options   | payload |
//  +-------------+------+---------------+------------------+--------+------+-----------+---------+
//  HL = header length in 32-bit words (3 + number of options).

import { CourserError } from '../errors.ts'
import { crc32 } from './crc32.ts'

export const HEADER_SIZE = 12
export const MAX_OPTIONS = 10
export const VERSION = 1

export interface Frame {
  /** Byte 1: CONTROL, ERROR and codec bits (see flags.ts). */
  readonly flags: number
  /** Byte 10: STREAM, STOP, PING, PONG bits. */
  readonly stream: number
  readonly options: readonly number[]
  readonly payload: Buffer
}

/** Writes the 12-byte header and the options at `buf[0..]`; returns the offset where the payload starts. */
export function writeHeader(
  buf: Buffer,
  flags: number,
  stream: number,
  options: readonly number[],
  payloadLength: number,
): number {
  const n = options.length
  if (n > MAX_OPTIONS) throw new CourserError('ERR_FRAME_TOO_MANY_OPTIONS', String(n))
  buf[0] = (VERSION << 4) | (3 + n)
  buf[1] = flags
  buf.writeUInt32LE(payloadLength, 2)
  buf.writeUInt32LE(crc32(buf, 0, 6), 6)
  buf[10] = stream
  buf[11] = 0
  let offset = HEADER_SIZE
  for (let i = 0; i < n; i++, offset += 4) buf.writeUInt32LE(options[i]!, offset)
  return offset
}

/** Encodes a whole frame into one buffer (one allocation, one write). */
export function encodeFrame(frame: {
  flags: number
  stream?: number
  options?: readonly number[]
  payload?: Uint8Array
}): Buffer {
  const options = frame.options ?? []
  const payload = frame.payload ?? EMPTY
  const buf = Buffer.allocUnsafe(HEADER_SIZE + options.length * 4 + payload.length)
  const at = writeHeader(buf, frame.flags, frame.stream ?? 0, options, payload.length)
  buf.set(payload, at)
  return buf
}

/**
 * Encodes a request/response frame whose payload is `context + body` and whose single option is the
 * context's byte length. The context may be a string, written straight into the frame buffer.
 */
export function encodePayloadFrame(
  flags: number,
  context: string | Uint8Array,
  body: Uint8Array,
  stream = 0,
): Buffer {
  const ctxLen = typeof context === 'string' ? Buffer.byteLength(context) : context.length
  const buf = Buffer.allocUnsafe(HEADER_SIZE + 4 + ctxLen + body.length)
  const at = writeHeader(buf, flags, stream, [ctxLen], ctxLen + body.length)
  if (typeof context === 'string') buf.write(context, at, 'utf8')
  else buf.set(context, at)
  buf.set(body, at + ctxLen)
  return buf
}

/** Encodes a CONTROL frame with a JSON payload (pid handshake, stop). */
export function encodeControlFrame(value: unknown, flags: number): Buffer {
  return encodeFrame({ flags, payload: Buffer.from(JSON.stringify(value)) })
}

const EMPTY = Buffer.alloc(0)
