// RoadRunner >= 2024.1 HTTP payloads: protobuf http.v1.Request / http.v1.Response (spec §4.3),
// written and read with @bufbuild/protobuf's wire primitives (the messages are small and fixed).
//
//   Request  { remote_addr=1, protocol=2, method=3, uri=4, header=5 map<string,HeaderValue>,
//              cookies=6 map<string,HeaderValue>, raw_query=7, parsed=8 bool, uploads=9 bytes (JSON),
//              attributes=10 map<string,HeaderValue> }
//   Response { status=1 int64, headers=2 map<string,HeaderValue> }
//   HeaderValue { repeated bytes value=1 }

import type { IncomingMessage } from 'node:http'
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { CourserError } from '../../errors.ts'
import {
  cookieMap,
  headerMap,
  remoteAddr,
  requestTarget,
  type ContextParts,
} from './request-context.ts'

export function requestContextProto(req: IncomingMessage, parts: ContextParts): Uint8Array {
  const { uri, rawQuery } = requestTarget(req)
  const w = new BinaryWriter()
  w.tag(1, WireType.LengthDelimited).string(remoteAddr(req))
  w.tag(2, WireType.LengthDelimited).string(`HTTP/${req.httpVersion}`)
  w.tag(3, WireType.LengthDelimited).string(req.method ?? 'GET')
  w.tag(4, WireType.LengthDelimited).string(uri)
  for (const [name, values] of headerMap(req.rawHeaders)) writeMapEntry(w, 5, name, values)
  for (const [name, value] of Object.entries(cookieMap(req.headers.cookie))) {
    writeMapEntry(w, 6, name, [value])
  }
  if (rawQuery) w.tag(7, WireType.LengthDelimited).string(rawQuery)
  if (parts.parsed) w.tag(8, WireType.Varint).bool(true)
  if (parts.uploads !== 'null') w.tag(9, WireType.LengthDelimited).string(parts.uploads)
  return w.finish()
}

function writeMapEntry(
  w: BinaryWriter,
  field: number,
  key: string,
  values: readonly string[],
): void {
  w.tag(field, WireType.LengthDelimited).fork()
  w.tag(1, WireType.LengthDelimited).string(key)
  w.tag(2, WireType.LengthDelimited).fork()
  for (const v of values) w.tag(1, WireType.LengthDelimited).string(v)
  w.join()
  w.join()
}

/** Decodes http.v1.Response into a status and a flat [name, value, ...] header list. */
export function decodeResponseProto(bytes: Uint8Array): { status: number; headers: string[] } {
  const headers: string[] = []
  let status = 200
  try {
    const r = new BinaryReader(bytes)
    while (r.pos < r.len) {
      const [no, wt] = r.tag()
      if (no === 1 && wt === WireType.Varint) status = Number(r.int64())
      else if (no === 2 && wt === WireType.LengthDelimited) readHeaderEntry(r, headers)
      else r.skip(wt)
    }
  } catch (err) {
    throw new CourserError(
      'ERR_HTTP_BAD_RESPONSE',
      `invalid protobuf response context: ${(err as Error).message}`,
    )
  }
  return { status, headers }
}

function readHeaderEntry(r: BinaryReader, out: string[]): void {
  const end = r.uint32() + r.pos
  let key = ''
  const values: string[] = []
  while (r.pos < end) {
    const [no, wt] = r.tag()
    if (no === 1 && wt === WireType.LengthDelimited) key = r.string()
    else if (no === 2 && wt === WireType.LengthDelimited) {
      const vend = r.uint32() + r.pos
      while (r.pos < vend) {
        const [vno, vwt] = r.tag()
        if (vno === 1 && vwt === WireType.LengthDelimited) values.push(r.string())
        else r.skip(vwt)
      }
    } else r.skip(wt)
  }
  for (const v of values) out.push(key, v)
}
