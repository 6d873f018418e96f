// Schemas for the http middleware sections: `http.static`, `http.headers` (with `cors`) and
// `http.trusted_subnets` / `http.trusted_headers`. Keys are RoadRunner's. Only the keys written in
// the file appear in the output; the middleware apply the defaults (docs/plugins/http.md).

import { isIP } from 'node:net'
import type { z } from 'zod'
import { field, optionalSection, stringMap } from './fields.ts'
import {
  InvalidValue,
  describe,
  toBool,
  toStatusCode,
  toStr,
  toStringList,
  toUint,
} from './values.ts'

export interface StaticConfig {
  /** Directory to serve; relative paths are relative to `config.workdir`. Default ".". */
  dir?: string
  /** Extensions (`.php`) never served from disk: such requests go to PHP. `.php` always is. */
  forbid?: string[]
  /** When non-empty, only these extensions are served from disk. */
  allow?: string[]
  calculate_etag?: boolean
  /** `W/"size-mtime"` instead of a content hash. */
  weak?: boolean
  /** Headers added to the request of every file served. */
  request?: Record<string, string>
  /** Headers set on the response of every file served. */
  response?: Record<string, string>
  /**
   * Courser only: serve files whose symlinks lead outside `dir` (RoadRunner follows them; Courser
   * does not unless this is true). Default false.
   */
  follow_symlinks?: boolean
}

export interface CorsConfig {
  /** Comma-separated origins; `*` allows any; one `*` wildcard inside an origin is allowed. */
  allowed_origin?: string
  /** When set, an origin is allowed when it matches this regular expression (`allowed_origin` is ignored). */
  allowed_origin_regex?: string
  /** Comma-separated; `*` allows any requested header. */
  allowed_headers?: string
  /** Comma-separated HTTP methods. */
  allowed_methods?: string
  allow_credentials?: boolean
  /** Comma-separated. */
  exposed_headers?: string
  /** Seconds; 0 = no Access-Control-Max-Age header. */
  max_age?: number
  /** Status of a successful preflight answer; default 200. */
  options_success_status?: number
  /** Accepted for compatibility; has no effect. */
  debug?: boolean
}

export interface HeadersConfig {
  cors?: CorsConfig
  /** Headers added to every request before it reaches PHP. */
  request?: Record<string, string>
  /** Headers set on every response. */
  response?: Record<string, string>
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A header name → value map whose names and values Node will accept on the wire. */
function headerMap(value: unknown): Record<string, string> {
  const map = stringMap(value)
  for (const [name, v] of Object.entries(map)) {
    if (!TOKEN.test(name)) throw new InvalidValue(`invalid header name ${describe(name)}`)
    if (/[\r\n\0]/.test(v)) throw new InvalidValue(`header ${name}: value must be one line`)
  }
  return map
}

/** A comma-separated list written either as one string or as a YAML list. */
function commaString(value: unknown): string {
  return Array.isArray(value) ? toStringList(value).join(',') : toStr(value)
}

function regex(value: unknown): string {
  const s = toStr(value)
  try {
    new RegExp(s)
  } catch (err) {
    throw new InvalidValue(`not a valid regular expression: ${(err as Error).message}`)
  }
  return s
}

/** `10.0.0.0/8`, `fc00::/7`, or a single address (a /32 or /128). */
export function parseSubnet(s: string): { address: string; prefix: number; family: 4 | 6 } {
  const slash = s.indexOf('/')
  const address = (slash < 0 ? s : s.slice(0, slash)).trim()
  const family = isIP(address)
  if (family !== 4 && family !== 6) {
    throw new InvalidValue(`expected a CIDR subnet such as 10.0.0.0/8, got ${describe(s)}`)
  }
  const max = family === 4 ? 32 : 128
  const prefixText = slash < 0 ? String(max) : s.slice(slash + 1).trim()
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  if (!(prefix >= 0 && prefix <= max)) {
    throw new InvalidValue(`expected a prefix length 0-${max} in ${describe(s)}`)
  }
  return { address, prefix, family }
}

export function subnetList(value: unknown): string[] {
  const list = toStringList(value)
  for (const s of list) parseSubnet(s)
  return list
}

export function headerNameList(value: unknown): string[] {
  const list = toStringList(value)
  for (const name of list) {
    if (!TOKEN.test(name)) throw new InvalidValue(`invalid header name ${describe(name)}`)
  }
  return list
}

/** Drops the keys whose value is undefined, so the output holds only what the file wrote. */
function present<T extends object>(v: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) if (val !== undefined) out[k] = val
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}

export const staticSchema: z.ZodType<StaticConfig | undefined, unknown> = optionalSection({
  dir: field((v) => toStr(v)),
  forbid: field(toStringList),
  allow: field(toStringList),
  calculate_etag: field(toBool),
  weak: field(toBool),
  request: field(headerMap),
  response: field(headerMap),
  follow_symlinks: field(toBool),
}).transform((v) => v && present(v))

const corsSchema = optionalSection({
  allowed_origin: field(commaString),
  allowed_origin_regex: field(regex),
  allowed_headers: field(commaString),
  allowed_methods: field(commaString),
  allow_credentials: field(toBool),
  exposed_headers: field(commaString),
  max_age: field(toUint),
  options_success_status: field(toStatusCode),
  debug: field(toBool),
}).transform((v) => v && present(v))

export const headersSchema: z.ZodType<HeadersConfig | undefined, unknown> = optionalSection({
  cors: corsSchema,
  request: field(headerMap),
  response: field(headerMap),
}).transform((v) => v && present(v))
