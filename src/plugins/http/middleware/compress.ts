// `gzip` (and `zstd`): response compression negotiated from Accept-Encoding by the `compression`
// package: br, gzip or deflate, for compressible Content-Types of 1 KiB and more. Responses the
// client did not ask to compress, partial (206) responses and `Cache-Control: no-transform` ones
// are sent as they are. Streamed worker responses are flushed frame by frame.
//
// zstd: Node 20 has no zstd codec and no maintained npm package builds one without downloading a
// prebuilt binary, so `zstd` in http.middleware compresses like `gzip` (br/gzip/deflate).

import type { IncomingMessage, ServerResponse } from 'node:http'
import compression from 'compression'
import type { Middleware } from './types.ts'

type Filter = (req: IncomingMessage, res: ServerResponse) => boolean

const defaultFilter = compression.filter as unknown as Filter

export interface CompressOptions {
  /** Smallest body (bytes) worth compressing; default 1024, as RoadRunner's gzhttp. */
  threshold?: number
}

export function compress(opts: CompressOptions = {}): Middleware {
  const filter: Filter = (req, res) => res.statusCode !== 206 && defaultFilter(req, res)
  const mw = compression({
    threshold: opts.threshold ?? 1024,
    filter: filter as unknown as compression.CompressionFilter,
  })
  return mw as unknown as Middleware
}
