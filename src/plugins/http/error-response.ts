// Maps Courser error codes to HTTP answers; only the http plugin knows about HTTP status codes.

import type { ServerResponse } from 'node:http'
import { isCourserError } from '../../errors.ts'

export interface ErrorAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' }
const HTML = { 'Content-Type': 'text/html; charset=utf-8' }

export function errorAnswer(err: unknown, internalErrorCode: number, debug: boolean): ErrorAnswer {
  const code = isCourserError(err) ? err.code : undefined
  switch (code) {
    case 'ERR_HTTP_BODY_TOO_LARGE':
      return { status: 413, headers: {}, body: '' }
    case 'ERR_HTTP_BAD_FORM':
      // Plain text: the message quotes client-chosen field names.
      return { status: 400, headers: TEXT, body: (err as Error).message }
    case 'ERR_HTTP_BAD_REQUEST':
      // The body could not be read (client gone, broken chunked framing): no keep-alive after it.
      return { status: 400, headers: { Connection: 'close' }, body: '' }
    case 'ERR_POOL_NO_WORKERS':
    case 'ERR_POOL_QUEUE_FULL':
    case 'ERR_POOL_BOOT_FAILING':
    case 'ERR_POOL_DESTROYED':
      return {
        status: internalErrorCode,
        headers: { 'No-Workers': 'true', ...(debug ? HTML : {}) },
        body: debugBody(err, debug),
      }
    default:
      return { status: internalErrorCode, headers: debug ? HTML : {}, body: debugBody(err, debug) }
  }
}

/** RoadRunner puts the error text in the body only in pool debug mode, HTML-escaped. */
function debugBody(err: unknown, debug: boolean): string {
  if (!debug) return ''
  const text = err instanceof Error ? err.message : String(err)
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function writeError(res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(answer.status, {
    ...answer.headers,
    'Content-Length': Buffer.byteLength(answer.body),
  })
  res.end(answer.body)
}
