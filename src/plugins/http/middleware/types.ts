// The middleware contract: connect/Express style `(req, res, next)`, so the npm ecosystem's
// middleware (compression, cors, helmet, morgan...) plugs in as is. The first middleware in a list
// sees the request first and the response last, as in RoadRunner's `http.middleware`.

import type { IncomingMessage, ServerResponse } from 'node:http'

/** Call with no argument to pass the request on; with an error to fail it (internal_error_code). */
export type NextFunction = (err?: unknown) => void

/**
 * A middleware either answers the request itself (writes `res`) or calls `next()` exactly once.
 * It may be async: a rejected promise counts as `next(err)`.
 */
export type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: NextFunction,
) => void | Promise<void>

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export type ErrorHandler = (err: unknown, req: IncomingMessage, res: ServerResponse) => void

/**
 * Chains `middleware` in order in front of `final`. An error passed to `next`, thrown, or rejected
 * skips the rest of the chain and goes to `onError`. A second call of the same `next` is ignored.
 */
export function compose(
  middleware: readonly Middleware[],
  final: Handler,
  onError: ErrorHandler,
): Handler {
  if (middleware.length === 0) return final
  const chain = [...middleware]
  return (req, res) => {
    const step = (i: number): void => {
      const mw = chain[i]
      if (mw === undefined) {
        final(req, res)
        return
      }
      let called = false
      const next: NextFunction = (err) => {
        if (called) return
        called = true
        if (err !== undefined && err !== null) onError(err, req, res)
        else step(i + 1)
      }
      try {
        const out: unknown = mw(req, res, next)
        if (isThenable(out))
          out.then(undefined, (err: unknown) => next(err ?? new Error('rejected')))
      } catch (err) {
        next(err ?? new Error('middleware threw'))
      }
    }
    step(0)
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

/**
 * Adds a request header that PHP will see (the worker's request context is built from
 * `req.rawHeaders`; `req.headers` is kept in step for the middleware that follow).
 */
export function addRequestHeader(req: IncomingMessage, name: string, value: string): void {
  req.rawHeaders.push(name, value)
  const key = name.toLowerCase()
  const prev = req.headers[key]
  if (prev === undefined) req.headers[key] = key === 'set-cookie' ? [value] : value
  else if (Array.isArray(prev)) prev.push(value)
  else req.headers[key] = key === 'cookie' ? `${prev}; ${value}` : `${prev}, ${value}`
}
