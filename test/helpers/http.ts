// A real HttpPlugin on 127.0.0.1:0 in front of real PHP workers, torn down in t.after().

import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http'
import type { TestContext } from 'node:test'
import { HttpPlugin } from '../../src/plugins/http/plugin.ts'
import type { BodyOptions } from '../../src/plugins/http/request-body.ts'
import type { PoolSettings } from '../../src/plugins/server/plugin.ts'
import { captureLogger, type LogLine } from './log.ts'
import { DEFAULT_SETTINGS, serveWorkers, tempDir } from './pool.ts'

export interface HttpHarness {
  http: HttpPlugin
  base: string
  port: number
  lines: LogLine[]
  uploadsDir: string
}

export async function startHttp(
  t: TestContext,
  opts: {
    script?: string
    command?: string[]
    pool?: Partial<PoolSettings>
    body?: Partial<BodyOptions>
    internalErrorCode?: number
  } = {},
): Promise<HttpHarness> {
  const { log, lines } = captureLogger()
  const uploadsDir = tempDir(t, 'courser-uploads-')
  const server = await serveWorkers(log, opts)
  const http = new HttpPlugin(
    {
      address: '127.0.0.1:0',
      internalErrorCode: opts.internalErrorCode ?? 500,
      accessLogs: true,
      body: {
        maxBytes: 1024 * 1024,
        rawBody: false,
        uploadsDir,
        forbid: ['.php'],
        allow: [],
        ...opts.body,
      },
      pool: { ...DEFAULT_SETTINGS, ...opts.pool },
    },
    server,
    log,
  )
  t.after(async () => {
    await http.stop()
    await server.stop()
  })
  await http.serve()
  return { http, base: `http://127.0.0.1:${http.port}`, port: http.port, lines, uploadsDir }
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  /** Header lines exactly as received: name, value, name, value... */
  rawHeaders: string[]
  body: Buffer
}

/**
 * One request through node:http (not fetch), for what fetch hides: repeated header lines, HEAD/OPTIONS
 * bodies, chunked uploads. `body` chunks are written one by one; without content-length that is chunked.
 * A `{ port, path }` target sends the path exactly as written to 127.0.0.1 (a URL would have `..`
 * normalised away).
 */
export function rawRequest(
  target: string | { port: number; path: string },
  opts: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer[] | Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options = { method: opts.method ?? 'GET', headers: opts.headers, agent: false }
    const req =
      typeof target === 'string'
        ? httpRequest(target, options)
        : httpRequest({ host: '127.0.0.1', port: target.port, path: target.path, ...options })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      )
    })
    req.on('error', reject)
    const body = opts.body === undefined ? [] : Array.isArray(opts.body) ? opts.body : [opts.body]
    for (const chunk of body) req.write(chunk)
    req.end()
  })
}
