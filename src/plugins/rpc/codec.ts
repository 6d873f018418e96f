// RPC codecs (spec §5.2): which one a request uses, and how arguments and replies are (de)coded.

import { Flag } from '../../protocol/index.ts'

/** Picks the request's codec from its flags: PROTO > JSON > RAW > MSGPACK > GOB; no bit means GOB. */
export function requestCodec(flags: number): number {
  for (const bit of [
    Flag.CODEC_PROTO,
    Flag.CODEC_JSON,
    Flag.CODEC_RAW,
    Flag.CODEC_MSGPACK,
    Flag.CODEC_GOB,
  ]) {
    if (flags & bit) return bit
  }
  return Flag.CODEC_GOB
}

export function codecName(codec: number): string {
  switch (codec) {
    case Flag.CODEC_PROTO:
      return 'proto'
    case Flag.CODEC_JSON:
      return 'json'
    case Flag.CODEC_RAW:
      return 'raw'
    case Flag.CODEC_MSGPACK:
      return 'msgpack'
    default:
      return 'gob'
  }
}

/** An argument that a method could not use; the reply is an error, the connection stays open. */
export class RpcArgumentError extends Error {
  override name = 'RpcArgumentError'
}

/** The argument of a JSON or RAW call. An empty argument is Go's zero value: `undefined` here. */
export function decodeArgument(codec: number, body: Buffer): unknown {
  if (codec === Flag.CODEC_RAW) return body
  if (body.length === 0) return undefined
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch (err) {
    throw new RpcArgumentError(`json: ${(err as Error).message}`)
  }
}

/** Encodes a reply: JSON as Go's encoding/json would (bytes become base64); RAW needs bytes. */
export function encodeReply(codec: number, method: string, reply: unknown): Buffer {
  if (codec === Flag.CODEC_RAW) {
    if (Buffer.isBuffer(reply)) return reply
    if (typeof reply === 'string') return Buffer.from(reply, 'utf8')
    throw new RpcArgumentError(`${method} does not return bytes: call it with the JSON codec`)
  }
  return Buffer.from(
    JSON.stringify(reply ?? null, (_key, value: unknown) =>
      isSerializedBuffer(value) ? Buffer.from(value.data).toString('base64') : value,
    ),
    'utf8',
  )
}

function isSerializedBuffer(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  )
}

/** Go-style field lookup: JSON keys match struct fields case-insensitively. */
export function field(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined
  const record = obj as Record<string, unknown>
  if (name in record) return record[name]
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(record)) if (k.toLowerCase() === lower) return v
  return undefined
}

/** A string argument (`"http"`); RAW bytes are read as UTF-8. Empty = "". */
export function stringArg(arg: unknown): string {
  if (arg === undefined || arg === null) return ''
  if (Buffer.isBuffer(arg)) return arg.toString('utf8')
  if (typeof arg === 'string') return arg
  throw new RpcArgumentError(`json: cannot unmarshal ${goType(arg)} into Go value of type string`)
}

export function goType(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'object'
  return typeof value
}
