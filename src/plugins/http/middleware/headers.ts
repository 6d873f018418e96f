// `headers` (http.headers): fixed request headers (seen by PHP), fixed response headers, and CORS
// with RoadRunner's semantics (rs/cors): a preflight (OPTIONS with Access-Control-Request-Method)
// is answered here and never reaches PHP; other requests get the CORS headers and go on.

import type { IncomingMessage, ServerResponse } from 'node:http'
import cors, { type CorsOptions } from 'cors'
import type { CorsConfig, HeadersConfig } from '../../../config/index.ts'
import { addRequestHeader, type Middleware, type NextFunction } from './types.ts'

/** rs/cors' defaults, which RoadRunner inherits. */
const DEFAULT_METHODS = ['GET', 'POST', 'HEAD']
const DEFAULT_HEADERS = ['Origin', 'Accept', 'Content-Type', 'X-Requested-With']

function split(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

type OriginCheck = (origin: string) => boolean

/** `*` = any; else exact origins, each with at most one `*` wildcard (rs/cors); regex wins. */
export function originCheck(cfg: CorsConfig): OriginCheck | '*' {
  if (cfg.allowed_origin_regex) {
    const re = new RegExp(cfg.allowed_origin_regex)
    return (origin) => re.test(origin)
  }
  const list = split(cfg.allowed_origin)
  if (list.length === 0 || list.includes('*')) return '*'
  const exact = new Set<string>()
  const patterns: RegExp[] = []
  for (const o of list) {
    const lower = o.toLowerCase()
    const star = lower.indexOf('*')
    if (star < 0) exact.add(lower)
    else {
      const re = escapeRegExp(lower.slice(0, star)) + '.*' + escapeRegExp(lower.slice(star + 1))
      patterns.push(new RegExp(`^${re}$`))
    }
  }
  return (origin) => {
    const lower = origin.toLowerCase()
    return exact.has(lower) || patterns.some((re) => re.test(lower))
  }
}

export function corsOptions(cfg: CorsConfig): CorsOptions {
  const headers = split(cfg.allowed_headers)
  const opts: CorsOptions = {
    // The origin is checked before the cors package runs; `*` is not allowed with credentials,
    // so then the origin is reflected, as rs/cors does.
    origin: originCheck(cfg) === '*' && !cfg.allow_credentials ? '*' : true,
    methods: split(cfg.allowed_methods).map((m) => m.toUpperCase()),
    credentials: cfg.allow_credentials ?? false,
    preflightContinue: false,
    optionsSuccessStatus: cfg.options_success_status || 200,
  }
  if ((opts.methods as string[]).length === 0) opts.methods = DEFAULT_METHODS
  // `*` → reflect whatever the preflight asks for
  if (!headers.includes('*')) opts.allowedHeaders = headers.length ? headers : DEFAULT_HEADERS
  const exposed = split(cfg.exposed_headers)
  if (exposed.length) opts.exposedHeaders = exposed
  if (cfg.max_age) opts.maxAge = cfg.max_age
  return opts
}

type Connect = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void

/** CORS as rs/cors does it, on top of the cors package. */
function corsMiddleware(cfg: CorsConfig): Connect {
  const check = originCheck(cfg)
  const allowed = (origin: string): boolean => check === '*' || check(origin)
  const status = cfg.options_success_status || 200
  const apply = cors(corsOptions(cfg)) as unknown as Connect
  return (req, res, next) => {
    const origin = req.headers.origin
    const preflight =
      req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
    // A plain OPTIONS request (no Access-Control-Request-Method) is the application's.
    if (req.method === 'OPTIONS' && !preflight) return next()
    appendVary(res, preflight ? PREFLIGHT_VARY : 'Origin')
    if (origin === undefined || !allowed(origin)) {
      if (!preflight) return next()
      // A refused preflight is still answered here, without CORS headers: the browser blocks it.
      res.writeHead(status, { 'Content-Length': 0 })
      res.end()
      return
    }
    apply(req, res, next)
  }
}

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

function appendVary(res: ServerResponse, value: string): void {
  const prev = res.getHeader('Vary')
  if (prev === undefined) res.setHeader('Vary', value)
  else {
    const have = String(prev).toLowerCase()
    const add = value.split(', ').filter((v) => !have.includes(v.toLowerCase()))
    if (add.length) res.setHeader('Vary', `${String(prev)}, ${add.join(', ')}`)
  }
}

export function headers(cfg: HeadersConfig): Middleware {
  const request = Object.entries(cfg.request ?? {})
  const response = Object.entries(cfg.response ?? {})
  const corsMw = cfg.cors ? corsMiddleware(cfg.cors) : undefined
  return (req, res, next) => {
    for (const [name, value] of request) addRequestHeader(req, name, value)
    for (const [name, value] of response) res.setHeader(name, value)
    if (corsMw) corsMw(req, res, next)
    else next()
  }
}
