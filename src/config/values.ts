// Pure parsers for RoadRunner config scalars: Go durations, listen addresses, commands, and the
// weak typing viper/mapstructure applies ("3" is a number, "true" a boolean, "a,b" a list).

/** Thrown by the parsers below; the schema turns it into one `<file>: <key>: <message>` line. */
export class InvalidValue extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidValue'
  }
}

/** A short human description of a YAML value for error messages: `"many"`, `42`, `a list`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 57)}...` : value
    return JSON.stringify(s)
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  return typeof value
}

/** Scalars only: numbers and booleans become strings (mapstructure's weak decoding). */
export function toStr(value: unknown, expected = 'a string'): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new InvalidValue(`expected ${expected}, got ${describe(value)}`)
}

const TRUE = new Set(['true', 't', '1'])
const FALSE = new Set(['false', 'f', '0'])

/** Booleans, plus Go's strconv.ParseBool strings (case-insensitive) and the numbers 0 and 1. */
export function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (value === 0 || value === 1) return value === 1
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase()
    if (TRUE.has(s)) return true
    if (FALSE.has(s)) return false
  }
  throw new InvalidValue(`expected true or false, got ${describe(value)}`)
}

/** Non-negative integers; numeric strings such as "3" (from `${VAR}` or `-o`) are accepted. */
export function toUint(value: unknown): number {
  let n: number | undefined
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value)
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidValue(`expected a non-negative integer, got ${describe(value)}`)
  }
  return n
}

/** An HTTP status code; 0 means "use the default" (as RoadRunner's InitDefaults do). */
export function toStatusCode(value: unknown): number {
  let n: number
  try {
    n = toUint(value)
  } catch {
    throw new InvalidValue(`expected an HTTP status code (100-599), got ${describe(value)}`)
  }
  if (n !== 0 && (n < 100 || n > 599)) {
    throw new InvalidValue(`expected an HTTP status code (100-599), got ${describe(value)}`)
  }
  return n
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}
const DURATION_PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/

/**
 * Go `time.ParseDuration` syntax (`60s`, `1m`, `500ms`, `1h30m`, `1.5s`, `0`) → milliseconds.
 * A plain number (or numeric string) is taken as seconds. Negative durations are rejected.
 * RoadRunner differs for plain integers: mapstructure stores them as nanoseconds.
 */
export function parseDuration(value: unknown): number {
  const bad = (): InvalidValue =>
    new InvalidValue(`expected a duration such as 60s, 500ms or 1h30m, got ${describe(value)}`)
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw bad()
    return value * 1000
  }
  if (typeof value !== 'string') throw bad()
  let s = value.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  if (s.startsWith('+')) s = s.slice(1)
  if (s === '') throw bad()
  let total = 0
  while (s.length > 0) {
    const m = DURATION_PART.exec(s)
    if (!m) throw bad()
    const [whole, int = '', frac, unit = ''] = m
    if (int === '' && (frac === undefined || frac === '')) throw bad()
    total += Number(`${int || '0'}.${frac ?? '0'}`) * UNIT_MS[unit]!
    s = s.slice(whole.length)
  }
  return total
}

/**
 * A list of strings. A string is split on commas (viper's string-to-slice decoding, which is how
 * `-o http.middleware=gzip,headers` becomes a list); items are trimmed and empty items dropped.
 */
export function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return splitComma(value)
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      try {
        return toStr(item)
      } catch {
        throw new InvalidValue(`expected a list of strings, got ${describe(item)} at item ${i + 1}`)
      }
    })
  }
  throw new InvalidValue(`expected a list of strings, got ${describe(value)}`)
}

function splitComma(s: string): string[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

/**
 * A worker command as RoadRunner builds it (SRV `prepareCmd`): a string is first split on commas
 * (viper); a single resulting element is then split on whitespace (`strings.Fields`); several
 * elements are used as they are. No shell is involved.
 */
export function parseCommand(value: unknown): string[] {
  let parts: string[]
  if (typeof value === 'string') parts = value.split(',').map((p) => p.trim())
  else if (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    parts = value.map((v) => String(v))
  } else {
    throw new InvalidValue(
      `expected a command (a string or a list of strings), got ${describe(value)}`,
    )
  }
  parts = parts.filter((p) => p.trim() !== '')
  if (parts.length === 1) parts = parts[0]!.trim().split(/\s+/)
  if (parts.length === 0) {
    throw new InvalidValue(`expected a non-empty command, got ${describe(value)}`)
  }
  return parts
}

export type ListenAddress =
  | { readonly network: 'tcp'; readonly host: string; readonly port: number }
  | { readonly network: 'unix'; readonly path: string }

/** Splits `host:port` / `[v6]:port` like Go's net.SplitHostPort; returns undefined if malformed. */
export function splitHostPort(s: string): { host: string; port: number } | undefined {
  let host: string
  let portStr: string
  if (s.startsWith('[')) {
    const end = s.indexOf(']')
    if (end < 0 || s[end + 1] !== ':') return undefined
    host = s.slice(1, end)
    portStr = s.slice(end + 2)
  } else {
    const i = s.lastIndexOf(':')
    if (i < 0) return undefined
    host = s.slice(0, i)
    portStr = s.slice(i + 1)
    if (host.includes(':')) return undefined
  }
  if (!/^\d{1,5}$/.test(portStr)) return undefined
  const port = Number(portStr)
  if (port > 65535) return undefined
  return { host, port }
}

/**
 * Parses a listen/connect address: `host:port`, `tcp://host:port` or `unix://path`.
 * Returns undefined when the string has none of these forms. Relative unix paths are returned as
 * written; whoever opens the socket resolves them against `config.workdir`.
 */
export function parseListenAddress(s: string): ListenAddress | undefined {
  if (s.startsWith('unix://')) {
    const path = s.slice('unix://'.length)
    return path === '' ? undefined : { network: 'unix', path }
  }
  const rest = s.startsWith('tcp://') ? s.slice('tcp://'.length) : s
  if (rest.includes('://')) return undefined
  const hp = splitHostPort(rest)
  return hp && { network: 'tcp', host: hp.host, port: hp.port }
}
