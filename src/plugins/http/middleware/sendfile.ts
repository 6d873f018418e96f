// `sendfile`: a worker response with an `X-Sendfile: <path>` header is replaced by that file,
// streamed by Node (200, or 206/304 for Range and conditional requests); the worker's body is
// discarded and the worker is free as soon as it answered. The worker's other headers are kept
// (Content-Type is guessed from the extension when the worker set none). A relative path is
// relative to the working directory; a path with a `..` segment is refused with 403, a missing
// file gives 404, as RoadRunner's sendfile middleware does.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import type { Logger } from 'pino'
import { serveFile } from './serve-file.ts'
import type { Middleware } from './types.ts'

const HEADER = 'x-sendfile'
/** Worker headers that describe the worker's own body, not the file. */
const DROPPED = [
  'x-sendfile',
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'content-range',
]

export interface SendfileOptions {
  /** Base for relative X-Sendfile paths (the workers' working directory). */
  root: string
}

type HeadersArg = OutgoingHttpHeaders | readonly (string | number | string[])[] | undefined

/** Finds a header in what writeHead was given: an object, a flat [k, v, ...] list or [[k, v]]. */
function findHeader(headers: HeadersArg, lower: string): string | undefined {
  if (headers === undefined || headers === null) return undefined
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as unknown as [string, string][]) {
        if (String(pair[0]).toLowerCase() === lower) return String(pair[1])
      }
      return undefined
    }
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === lower) return String(headers[i + 1])
    }
    return undefined
  }
  for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (k.toLowerCase() === lower && v !== undefined) return Array.isArray(v) ? v[0] : String(v)
  }
  return undefined
}

/** Applies writeHead's headers to `res`, as Node would merge them. */
function applyHeaders(res: ServerResponse, headers: HeadersArg): void {
  if (headers === undefined || headers === null) return
  if (Array.isArray(headers)) {
    const pairs: [string, string][] = []
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const p of headers as unknown as [string, string][]) pairs.push([p[0], String(p[1])])
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        pairs.push([String(headers[i]), String(headers[i + 1])])
      }
    }
    for (const [k] of pairs) res.removeHeader(k)
    for (const [k, v] of pairs) res.appendHeader(k, v)
    return
  }
  for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (v !== undefined) res.setHeader(k, v)
  }
}

export function sendfile(opts: SendfileOptions, log: Logger): Middleware {
  return (req, res, next) => {
    intercept(req, res, opts, log)
    next()
  }
}

function intercept(
  req: IncomingMessage,
  res: ServerResponse,
  opts: SendfileOptions,
  log: Logger,
): void {
  // What the outer layers (or Node) installed; put back once the worker's answer is discarded.
  const writeHead = res.writeHead.bind(res)
  const write = res.write.bind(res)
  const end = res.end.bind(res)
  let decided = false
  let path: string | undefined

  res.writeHead = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (path !== undefined) return this // the file answers; the worker's head is dropped
    if (!decided) {
      decided = true
      const headers = (typeof args[1] === 'string' ? args[2] : args[1]) as HeadersArg
      const found = findHeader(headers, HEADER) ?? headerValue(this.getHeader(HEADER))
      if (found !== undefined && found.trim() !== '') {
        path = found.trim()
        applyHeaders(this, headers)
        for (const name of DROPPED) this.removeHeader(name)
        this.statusCode = 200
        return this
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse)(...args)
  }

  res.write = function (this: ServerResponse, ...args: unknown[]): boolean {
    if (!decided && !this.headersSent) this.writeHead(this.statusCode)
    if (path === undefined) return (write as (...a: unknown[]) => boolean)(...args)
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined
    if (cb) process.nextTick(cb)
    return true
  } as ServerResponse['write']

  res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (!decided && !this.headersSent) this.writeHead(this.statusCode)
    if (path === undefined) return (end as (...a: unknown[]) => ServerResponse)(...args)
    // The worker is done: from here on the response belongs to the file.
    this.writeHead = writeHead
    this.write = write
    this.end = end
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined
    if (cb) this.once('finish', cb)
    void sendPath(req, this, path, opts, log)
    return this
  } as ServerResponse['end']
}

function headerValue(v: number | string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined
  return Array.isArray(v) ? v[0] : String(v)
}

async function sendPath(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  opts: SendfileOptions,
  log: Logger,
): Promise<void> {
  if (path.split(/[/\\]/).includes('..') || path.includes('\0')) {
    log.warn({ path }, 'sendfile: refused a path with ".." in X-Sendfile')
    plain(res, 403, 'forbidden')
    return
  }
  const file = isAbsolute(path) ? path : resolve(opts.root, path)
  try {
    const st = await stat(file)
    if (!st.isFile()) throw new Error('not a file')
  } catch {
    log.debug({ path: file }, 'sendfile: no such file')
    plain(res, 404, 'not found')
    return
  }
  serveFile(req, res, file)
}

function plain(res: ServerResponse, status: number, text: string): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}
