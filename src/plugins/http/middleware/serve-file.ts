// Streams one file to the client with `send` (Content-Type, Last-Modified, conditional GET and
// Range), for both the static and the sendfile middleware. The caller has already checked the path.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename, dirname } from 'node:path'
import send from 'send'

export interface ServeFileOptions {
  /** Set as the ETag before sending (send then answers If-None-Match / If-Range with it). */
  etag?: string
  lastModified?: boolean
}

/** Answers `req` with the regular file at the absolute, resolved `file`. */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  opts: ServeFileOptions = {},
): void {
  if (opts.etag !== undefined && !res.hasHeader('ETag')) res.setHeader('ETag', opts.etag)
  // send only ever sees one path segment below the file's own directory: nothing to traverse.
  const stream = send(req, encodeURIComponent(basename(file)), {
    root: dirname(file),
    dotfiles: 'allow',
    index: false,
    etag: false,
    lastModified: opts.lastModified ?? true,
    cacheControl: false,
    acceptRanges: true,
  })
  stream.on('error', (err: { status?: number; statusCode?: number }) => {
    const status = err.status ?? err.statusCode ?? 500
    if (res.headersSent) {
      res.destroy()
      return
    }
    for (const name of res.getHeaderNames()) {
      if (name !== 'content-range') res.removeHeader(name)
    }
    const text = status === 404 ? 'not found' : status === 416 ? 'range not satisfiable' : ''
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    })
    res.end(text)
  })
  stream.pipe(res)
}
