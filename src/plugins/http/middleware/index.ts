// Builds the middleware chain named by `http.middleware`, in that order (the first sees the
// request first and the response last), followed by the user's own middleware.

import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { HttpConfig, MiddlewareName } from '../../../config/index.ts'
import { compress } from './compress.ts'
import { headers } from './headers.ts'
import { proxyIpParser } from './proxy-ip.ts'
import { sendfile } from './sendfile.ts'
import { staticFiles } from './static.ts'
import type { Middleware } from './types.ts'

export { compose, addRequestHeader, type Middleware, type NextFunction } from './types.ts'
export { setRemoteAddr, remoteAddr } from '../request-context.ts'
export { compress, headers, proxyIpParser, sendfile, staticFiles }

export interface BuildContext {
  /** Relative paths (static dir, X-Sendfile) are resolved against it. */
  workdir: string
  log: Logger
}

/** undefined: the middleware is off (a warning was logged). */
type Factory = (http: HttpConfig, ctx: BuildContext) => Middleware | undefined

/**
 * The built-in middleware Courser implements. `http_metrics` is the metrics plugin's (an observer
 * of every request); other names in MIDDLEWARE (cache, otel) are skipped with a warning.
 */
export const BUILTIN: Partial<Record<MiddlewareName, Factory>> = {
  static: (http, { workdir, log }) => {
    const s = http.static
    if (s === undefined) {
      // RoadRunner's static plugin is disabled without its section; serving "." by surprise is worse.
      log.warn('the static middleware needs an http.static section (dir: ...); ignored')
      return undefined
    }
    return staticFiles(
      {
        dir: resolve(workdir, s.dir || '.'),
        forbid: s.forbid ?? [],
        allow: s.allow ?? [],
        calculateEtag: s.calculate_etag ?? false,
        weak: s.weak ?? false,
        request: s.request ?? {},
        response: s.response ?? {},
        followSymlinks: s.follow_symlinks ?? false,
      },
      log,
    )
  },
  headers: (http) => headers(http.headers ?? {}),
  gzip: () => compress(),
  zstd: (_http, { log }) => {
    log.warn('zstd is not available on this Node version: responses are compressed with br/gzip')
    return compress()
  },
  sendfile: (_http, { workdir, log }) => sendfile({ root: workdir }, log),
  proxy_ip_parser: (http) =>
    proxyIpParser({
      trustedSubnets: http.trusted_subnets,
      trustedHeaders: http.trusted_headers ?? [],
    }),
}

/** The configured middleware, in order; throws a CourserError (ERR_CONFIG) on a bad static dir. */
export function buildMiddleware(http: HttpConfig, ctx: BuildContext): Middleware[] {
  const out: Middleware[] = []
  let compressing = false
  for (const name of http.middleware) {
    if (name === 'gzip' || name === 'zstd') {
      if (compressing) continue // one compression layer is enough
      compressing = true
    }
    if (name === 'http_metrics') continue // the metrics plugin observes every request itself
    const factory = BUILTIN[name]
    if (factory === undefined) {
      ctx.log.warn({ middleware: name }, `middleware ${name} is not implemented yet; ignored`)
      continue
    }
    const mw = factory(http, ctx)
    if (mw) out.push(mw)
  }
  return out
}
