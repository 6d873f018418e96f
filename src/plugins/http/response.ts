// Writes a worker's response payload to the client (spec §4.7, §4.8).

import type { ServerResponse } from 'node:http'
import { CourserError } from '../../errors.ts'
import { Flag, POOLED_MIN_SIZE, framePool, type Payload } from '../../protocol/index.ts'
import { decodeResponseProto } from './proto-codec.ts'

interface ResponseContext {
  status?: unknown
  headers?: unknown
}

interface ResponseHead {
  status: number
  /** name, value, name, value... */
  headers: string[]
}

/**
 * Heads already decoded, by their JSON text: an app sends the same few heads over and over (the
 * Date header changes once a second). Bounded: cleared when full, and long heads (cookies, say)
 * are not kept.
 */
const headCache = new Map<string, Readonly<ResponseHead>>()
const HEAD_CACHE_ENTRIES = 256
const HEAD_CACHE_MAX_TEXT = 1024

/**
 * Decodes `{"status":N,"headers":{name:[values]}}`; tolerant of `[]` headers and string values.
 * The caller owns the returned header list (writeResponse appends to it).
 */
export function parseResponseContext(payload: Payload): ResponseHead {
  // RR >= 2024.1 only accepts 0x80; we take either codec, chosen by the flags byte (spec §8).
  if (payload.codec & Flag.CODEC_PROTO) return decodeResponseProto(payload.context)
  if (payload.context.length === 0) return { status: 200, headers: [] }
  const text = payload.context.toString('utf8')
  const known = headCache.get(text)
  if (known) return { status: known.status, headers: known.headers.slice() }
  const head = decodeJsonHead(text)
  if (text.length <= HEAD_CACHE_MAX_TEXT) {
    if (headCache.size >= HEAD_CACHE_ENTRIES) headCache.clear()
    headCache.set(text, { status: head.status, headers: head.headers.slice() })
  }
  return head
}

function decodeJsonHead(text: string): ResponseHead {
  let ctx: ResponseContext
  try {
    ctx = JSON.parse(text) as ResponseContext
  } catch {
    throw new CourserError('ERR_HTTP_BAD_RESPONSE', `context is not JSON: ${text.slice(0, 200)}`)
  }
  const status = typeof ctx.status === 'number' ? ctx.status : 200
  const flat: string[] = []
  if (ctx.headers && typeof ctx.headers === 'object' && !Array.isArray(ctx.headers)) {
    for (const [name, value] of Object.entries(ctx.headers as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        for (const v of value)
          if (typeof v === 'string' || typeof v === 'number') flat.push(name, String(v))
      } else if (typeof value === 'string' || typeof value === 'number') {
        flat.push(name, String(value))
      }
    }
  }
  return { status, headers: flat }
}

export function writeResponse(res: ServerResponse, payload: Payload, head: boolean): number {
  const { status, headers } = parseResponseContext(payload)
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    // RoadRunner answers 500 with this text for a status it cannot write.
    const text = `unknown status code from worker: ${status}`
    res.writeHead(500, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    })
    res.end(text)
    return 500
  }
  const trailers = takeTrailers(headers)
  if (trailers) {
    // Trailers need chunked encoding: no Content-Length.
    res.writeHead(status, headers)
    res.write(payload.body)
    res.addTrailers(trailers)
    res.end()
    return status
  }
  // writeHead with a header list sends the head at once, so Node cannot add Content-Length itself;
  // without it every response would be chunked.
  if (!head && status !== 204 && status !== 304 && !hasHeader(headers, 'content-length')) {
    headers.push('Content-Length', String(payload.body.length))
  }
  res.writeHead(status, headers)
  const body = payload.body
  // A large body's memory is recycled once written, unless a middleware wraps write/end (then it
  // may still hold the bytes, e.g. compression's zlib): the frame pool takes back only what it is
  // sure of. Node calls back after 'finish', when the last write has completed.
  if (
    body.length >= POOLED_MIN_SIZE &&
    !Object.hasOwn(res, 'end') &&
    !Object.hasOwn(res, 'write')
  ) {
    res.end(body, () => framePool.give(body))
  } else res.end(body)
  return status
}

/**
 * RoadRunner's trailer rule (spec §4.8): the headers named in `Trailer` move from the head to the
 * trailers (the `Trailer` header itself stays, announcing them). Mutates `flat`.
 */
export function takeTrailers(flat: string[]): [string, string][] | null {
  const names = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i]!.toLowerCase() !== 'trailer') continue
    for (const n of flat[i + 1]!.split(',')) if (n.trim()) names.add(n.trim().toLowerCase())
  }
  if (names.size === 0) return null
  const trailers: [string, string][] = []
  for (let i = 0; i < flat.length;) {
    if (names.has(flat[i]!.toLowerCase())) {
      trailers.push([flat[i]!, flat[i + 1]!])
      flat.splice(i, 2)
    } else i += 2
  }
  return trailers
}

function hasHeader(flat: readonly string[], lower: string): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === lower) return true
  return false
}
