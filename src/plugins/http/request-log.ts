// The per-request log line and the observers (metrics) told about every finished request.
//
// RoadRunner logs every request at info level as `http log` with status, method, URI,
// remote_address, start and elapsed (HTTP `handler.go`); Laravel Octane parses exactly these
// fields from the JSON lines on stdout. `http.access_logs: true` adds nginx-style access fields
// to the same line (RR then names it `http access log`; Courser keeps `http log` so Octane
// still recognises it).

import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import type { ErrorCode } from '../../errors.ts'

export interface RequestEvent {
  method: string
  status: number
  /** Wall time from the first byte of the request to the end of the handler, in seconds. */
  seconds: number
  /** The error that decided the status, if any (e.g. ERR_POOL_NO_WORKERS). */
  code: ErrorCode | undefined
}

/** Told about every finished request (the metrics plugin counts them). Must not throw. */
export interface HttpObserver {
  onRequest(event: RequestEvent): void
}

export function logRequest(
  log: Logger,
  req: IncomingMessage,
  event: RequestEvent,
  startedAt: number,
  accessLogs: boolean,
): void {
  if (!log.isLevelEnabled('info')) return
  const fields: Record<string, unknown> = {
    status: event.status,
    method: req.method,
    URI: req.url,
    remote_address: req.socket.remoteAddress ?? '',
    start: startedAt / 1000,
    elapsed: event.seconds,
  }
  if (accessLogs) {
    const clean = (s: string | undefined): string => (s ?? '').replace(/[\r\n]/g, '')
    const q = req.url?.indexOf('?') ?? -1
    fields['query'] = q >= 0 ? clean(req.url?.slice(q + 1)) : ''
    fields['content_len'] = Number(req.headers['content-length'] ?? -1)
    fields['host'] = clean(req.headers.host)
    fields['user_agent'] = clean(req.headers['user-agent'])
    fields['referer'] = clean(req.headers.referer)
    fields['time_local'] = new Date().toISOString()
  }
  log.info(fields, 'http log')
}
