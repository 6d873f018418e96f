// Zod schemas for RoadRunner's `.rr.yaml` (version 3) with RoadRunner's defaults and key names.
// Durations come out in milliseconds, sizes in MB. docs/config.md describes every key.

import { availableParallelism, tmpdir } from 'node:os'
import { z } from 'zod'
import { parseRelayAddress } from '../transport/address.ts'
import { field, looseMap, oneOf, optionalSection, root, section, stringMap } from './fields.ts'
import {
  headerNameList,
  headersSchema,
  staticSchema,
  subnetList,
  type HeadersConfig,
  type StaticConfig,
} from './http-middleware.ts'
import {
  InvalidValue,
  describe,
  parseCommand,
  parseDuration,
  parseListenAddress,
  splitHostPort,
  toBool,
  toStatusCode,
  toStr,
  toStringList,
  toUint,
} from './values.ts'

// ---------------------------------------------------------------------------------------------
// Types (output of validation)

export type { CorsConfig, HeadersConfig, StaticConfig } from './http-middleware.ts'

/** Any section Courser accepts but does not interpret: the map as written (env-expanded). */
export type LooseSection = Record<string, unknown>

export interface OnInitConfig {
  /** Command run once before workers start; split like `server.command`. */
  command: string[]
  /** ms; default 60 000. */
  exec_timeout: number
  exit_on_error: boolean
  /** Keys upper-cased. */
  env: Record<string, string>
  user?: string
}

export interface ServerConfig {
  /** argv of the worker; `command[0]` is executed directly (no shell). Never empty. */
  command: string[]
  /** Extra worker environment; keys upper-cased (RR does the same). */
  env: Record<string, string>
  /** `pipes`, `tcp://host:port` or `unix://path`, verbatim (it is also exported as RR_RELAY). */
  relay: string
  /** ms; default 60 000. A RoadRunner v2 key; RoadRunner v3 ignores it. */
  relay_timeout: number
  /**
   * Courser extension: Linux scheduling policy of the workers. `batch` (default) runs them as
   * SCHED_BATCH, so a worker woken by a request does not preempt the server mid-batch.
   */
  sched_policy: 'batch' | 'normal'
  user?: string
  group?: string
  on_init?: OnInitConfig
}

export interface SupervisorConfig {
  /** ms; default 5 000. */
  watch_tick: number
  /** ms; 0 = off. */
  ttl: number
  /** ms; 0 = off. */
  idle_ttl: number
  /** ms; 0 = off. */
  exec_ttl: number
  /** MB of RSS; 0 = off. */
  max_worker_memory: number
}

export interface DynamicAllocatorConfig {
  /** Default 10; capped so that num_workers + max_workers ≤ 2048. */
  max_workers: number
  /** Default 5, at most 100. */
  spawn_rate: number
  /** ms; default 60 000 (also used when below 1 s). */
  idle_timeout: number
}

export interface PoolConfig {
  /** Per-pool override of `server.command`. */
  command?: string[]
  /** 0 or absent = number of logical CPUs (os.availableParallelism()). */
  num_workers: number
  /** 0 = unlimited. */
  max_jobs: number
  /** ms; default 60 000. */
  allocate_timeout: number
  /** ms; default 60 000. */
  destroy_timeout: number
  /** ms; default 60 000. */
  reset_timeout: number
  /** ms; default 60 000. */
  stream_timeout: number
  /** 0 = unlimited. */
  max_queue_size: number
  debug: boolean
  /** Always present; with the defaults every limit is off. */
  supervisor: SupervisorConfig
  dynamic_allocator?: DynamicAllocatorConfig
}

export const MIDDLEWARE = [
  'headers',
  'gzip',
  'zstd',
  'static',
  'sendfile',
  'http_metrics',
  'cache',
  'proxy_ip_parser',
  'otel',
] as const
export type MiddlewareName = (typeof MIDDLEWARE)[number]

export const DEFAULT_TRUSTED_SUBNETS: readonly string[] = [
  '10.0.0.0/8',
  '127.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
]

export interface UploadsConfig {
  /** Default os.tmpdir(). Relative paths are relative to `config.workdir`. */
  dir: string
  forbid: string[]
  allow: string[]
}

export interface HttpConfig {
  /** `host:port`, `tcp://host:port` or `unix://path`. */
  address: string
  /** Default 500. */
  internal_error_code: number
  /** MB; 0 or absent = 1000 (RoadRunner's code default). */
  max_request_size: number
  raw_body: boolean
  /** Request context encoding sent to workers: json (default; every PHP http version) or proto (RR >= 2024.1). */
  codec: 'json' | 'proto'
  access_logs: boolean
  middleware: MiddlewareName[]
  trusted_subnets: string[]
  trusted_headers?: string[]
  uploads: UploadsConfig
  headers?: HeadersConfig
  static?: StaticConfig
  ssl?: LooseSection
  fcgi?: LooseSection
  http2?: LooseSection
  http3?: LooseSection
  pool: PoolConfig
}

export const LOG_MODES = ['development', 'production', 'raw', 'off', 'none'] as const
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'] as const
export const LOG_ENCODINGS = ['console', 'json'] as const
export type LogMode = (typeof LOG_MODES)[number]
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogEncoding = (typeof LOG_ENCODINGS)[number]

/** Per-plugin overrides; absent fields inherit from the root `logs` settings. */
export interface LogChannelConfig {
  mode?: LogMode
  level?: LogLevel
  encoding?: LogEncoding
  line_ending?: string
  output?: string[]
  err_output?: string[]
  file_logger_options?: LooseSection
  format?: string
  time_format?: string
  skip_line_ending?: boolean
}

export interface LogsConfig {
  /** Default development. */
  mode: LogMode
  /** Default debug in every mode (RoadRunner's logger InitDefault). */
  level: LogLevel
  /** Default json in production mode, console otherwise. */
  encoding: LogEncoding
  /** Default "\n". */
  line_ending: string
  /** Default ["stderr"]. */
  output: string[]
  /** Default ["stderr"]. */
  err_output: string[]
  channels: Record<string, LogChannelConfig>
  file_logger_options?: LooseSection
  format?: string
  time_format?: string
  skip_line_ending: boolean
}

export const DEFAULT_RPC_LISTEN = 'tcp://127.0.0.1:6001'

export interface RpcConfig {
  /** Default tcp://127.0.0.1:6001. */
  listen: string
  /** True when `rpc.listen` was written in the config; only then RR exports RR_RPC to workers. */
  listen_set: boolean
}

export interface MetricsConfig {
  /** Default 127.0.0.1:2112. */
  address: string
  collect?: LooseSection
}

export interface StatusConfig {
  address: string
  /** Default 503. */
  unavailable_status_code: number
  /** ms; default 60 000 (RR: integer seconds). */
  check_timeout: number
}

/** Known RoadRunner sections Courser accepts as-is so that real `.rr.yaml` files load. */
export const LOOSE_SECTIONS = [
  'reload',
  'jobs',
  'kv',
  'service',
  'temporal',
  'grpc',
  'centrifuge',
  'tcp',
  'websockets',
  'broadcast',
  'otel',
  'informer',
  'resetter',
  'lock',
  'endure',
  'fileserver',
  'redis',
  'memcached',
  'memory',
  'boltdb',
  'amqp',
  'beanstalk',
  'sqs',
  'kafka',
  'nats',
  'nsq',
  'google-pub-sub',
  'google_pub_sub',
] as const
export type LooseSectionName = (typeof LOOSE_SECTIONS)[number]

/** What the schema produces; `loadConfig` adds `file`, `workdir` and `dotenv`. */
export type ValidatedConfig = {
  version: '3'
  server?: ServerConfig
  http?: HttpConfig
  logs: LogsConfig
  rpc?: RpcConfig
  metrics?: MetricsConfig
  status?: StatusConfig
} & { [K in LooseSectionName]?: LooseSection }

export type CourserConfig = ValidatedConfig & {
  /** Absolute path of the config file. */
  file: string
  /** Absolute working directory: `-w`, else the config file's directory. Workers start here. */
  workdir: string
  /**
   * Variables read from `--dotenv` / `envfile:` that were not already in the environment.
   * RoadRunner sets them in its own environment, so workers inherit them: add them to the worker env.
   */
  dotenv: Record<string, string>
}

// ---------------------------------------------------------------------------------------------
// Value parsers specific to one key

const str = (value: unknown): string => toStr(value)
const nonEmpty = (value: unknown): string => {
  const s = toStr(value)
  if (s.trim() === '') throw new InvalidValue(`expected a non-empty string, got ${describe(value)}`)
  return s
}
const upperKeys = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(stringMap(value))) out[k.toUpperCase()] = v
  return out
}
const MINUTE = 60_000

function relay(value: unknown): string {
  const s = toStr(value).trim()
  try {
    parseRelayAddress(s)
  } catch {
    throw new InvalidValue(
      `expected pipes, tcp://host:port (with an explicit host: PHP cannot connect to an empty one) or unix://path, got ${describe(value)}`,
    )
  }
  return s
}

function rpcListen(value: unknown): string {
  const s = toStr(value).trim()
  if ((s.startsWith('tcp://') || s.startsWith('unix://')) && parseListenAddress(s)) return s
  throw new InvalidValue(`expected tcp://host:port or unix://path, got ${describe(value)}`)
}

function httpAddress(value: unknown): string {
  const s = toStr(value).trim()
  if (parseListenAddress(s)) return s
  throw new InvalidValue(`expected host:port (or unix://path), got ${describe(value)}`)
}

function hostPort(value: unknown): string {
  const s = toStr(value).trim()
  if (splitHostPort(s)) return s
  throw new InvalidValue(`expected host:port, got ${describe(value)}`)
}

function middleware(value: unknown): MiddlewareName[] {
  const names = toStringList(value)
  return names.map((name) => {
    const hit = MIDDLEWARE.find((m) => m === name)
    if (hit === undefined) {
      throw new InvalidValue(
        `unknown middleware ${JSON.stringify(name)}; allowed: ${MIDDLEWARE.join(', ')}`,
      )
    }
    return hit
  })
}

/** A log level; `warning` (what Laravel Octane passes outside local) is read as `warn`. */
function logLevel(value: unknown): LogLevel {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'warning') return 'warn'
  return oneOf(LOG_LEVELS)(value)
}

function includeList(value: unknown): string[] {
  // RR reads `include` with GetStringSlice: a string is split on whitespace.
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '')
  return toStringList(value)
}

// ---------------------------------------------------------------------------------------------
// Sections

const onInitSchema = optionalSection({
  command: field(parseCommand),
  exec_timeout: field(parseDuration, MINUTE),
  exit_on_error: field(toBool, false),
  env: field(upperKeys, () => ({})),
  user: field(nonEmpty),
}).transform((v, ctx): OnInitConfig | undefined => {
  if (v === undefined) return undefined
  if (v.command === undefined) {
    ctx.addIssue({ code: 'custom', path: ['command'], message: 'required, but missing' })
    return z.NEVER
  }
  const out: OnInitConfig = {
    command: v.command,
    exec_timeout: v.exec_timeout || MINUTE,
    exit_on_error: v.exit_on_error,
    env: v.env,
  }
  if (v.user !== undefined) out.user = v.user
  return out
})

export const serverSchema = optionalSection({
  command: field(parseCommand),
  env: field(upperKeys, () => ({})),
  relay: field(relay, 'pipes'),
  relay_timeout: field(parseDuration, MINUTE),
  sched_policy: field(oneOf(['batch', 'normal'] as const), 'batch'),
  user: field(nonEmpty),
  group: field(nonEmpty),
  on_init: onInitSchema,
}).transform((v, ctx): ServerConfig | undefined => {
  if (v === undefined) return undefined
  if (v.command === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['command'],
      message:
        'required, but missing (the command that starts a PHP worker, e.g. "php worker.php")',
    })
    return z.NEVER
  }
  const out: ServerConfig = {
    command: v.command,
    env: v.env,
    relay: v.relay,
    relay_timeout: v.relay_timeout || MINUTE,
    sched_policy: v.sched_policy,
  }
  if (v.user !== undefined) out.user = v.user
  if (v.group !== undefined) out.group = v.group
  if (v.on_init !== undefined) out.on_init = v.on_init
  return out
})

const supervisorSchema = section({
  watch_tick: field(parseDuration, 5000),
  ttl: field(parseDuration, 0),
  idle_ttl: field(parseDuration, 0),
  exec_ttl: field(parseDuration, 0),
  max_worker_memory: field(toUint, 0),
}).transform((v): SupervisorConfig => ({ ...v, watch_tick: v.watch_tick || 5000 }))

const dynamicAllocatorSchema = optionalSection({
  max_workers: field(toUint, 0),
  spawn_rate: field(toUint, 0),
  idle_timeout: field(parseDuration, 0),
})

/** `http.pool` (and the same block in other plugins): POOL `pool/config.go` defaults. */
export const poolSchema: z.ZodType<PoolConfig, unknown> = section({
  command: field(parseCommand),
  num_workers: field(toUint, 0),
  max_jobs: field(toUint, 0),
  allocate_timeout: field(parseDuration, MINUTE),
  destroy_timeout: field(parseDuration, MINUTE),
  reset_timeout: field(parseDuration, MINUTE),
  stream_timeout: field(parseDuration, MINUTE),
  max_queue_size: field(toUint, 0),
  debug: field(toBool, false),
  supervisor: supervisorSchema,
  dynamic_allocator: dynamicAllocatorSchema,
}).transform((v): PoolConfig => {
  const numWorkers = v.num_workers || availableParallelism()
  const out: PoolConfig = {
    num_workers: numWorkers,
    max_jobs: v.max_jobs,
    allocate_timeout: v.allocate_timeout || MINUTE,
    destroy_timeout: v.destroy_timeout || MINUTE,
    reset_timeout: v.reset_timeout || MINUTE,
    stream_timeout: v.stream_timeout || MINUTE,
    max_queue_size: v.max_queue_size,
    debug: v.debug,
    supervisor: v.supervisor,
  }
  if (v.command !== undefined) out.command = v.command
  if (v.dynamic_allocator !== undefined) {
    const d = v.dynamic_allocator
    let maxWorkers = d.max_workers || 10
    if (maxWorkers + numWorkers > 2048) maxWorkers = Math.max(0, 2048 - numWorkers)
    out.dynamic_allocator = {
      max_workers: maxWorkers,
      spawn_rate: Math.min(d.spawn_rate || 5, 100),
      idle_timeout: d.idle_timeout < 1000 ? MINUTE : d.idle_timeout,
    }
  }
  return out
})

const uploadsSchema = section({
  dir: field(str, () => tmpdir()),
  forbid: field(toStringList, () => []),
  allow: field(toStringList, () => []),
}).transform((v): UploadsConfig => ({ ...v, dir: v.dir === '' ? tmpdir() : v.dir }))

export const httpSchema = optionalSection({
  address: field(httpAddress),
  internal_error_code: field(toStatusCode, 500),
  max_request_size: field(toUint, 1000),
  raw_body: field(toBool, false),
  codec: field(oneOf(['json', 'proto'] as const), 'json'),
  access_logs: field(toBool, false),
  middleware: field(middleware, () => []),
  trusted_subnets: field(subnetList, () => [...DEFAULT_TRUSTED_SUBNETS]),
  trusted_headers: field(headerNameList),
  uploads: uploadsSchema,
  headers: headersSchema,
  static: staticSchema,
  pool: poolSchema,
  ssl: field(looseMap),
  fcgi: field(looseMap),
  http2: field(looseMap),
  http3: field(looseMap),
}).transform((v, ctx): HttpConfig | undefined => {
  if (v === undefined) return undefined
  if (v.address === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['address'],
      message: 'required, but missing (host:port to listen on, e.g. 127.0.0.1:8080)',
    })
    return z.NEVER
  }
  const out: HttpConfig = {
    address: v.address,
    internal_error_code: v.internal_error_code || 500,
    max_request_size: v.max_request_size || 1000,
    raw_body: v.raw_body,
    codec: v.codec,
    access_logs: v.access_logs,
    middleware: v.middleware,
    trusted_subnets: v.trusted_subnets,
    uploads: v.uploads,
    pool: v.pool,
  }
  for (const key of ['trusted_headers'] as const) if (v[key] !== undefined) out[key] = v[key]
  if (v.headers !== undefined) out.headers = v.headers
  if (v.static !== undefined) out.static = v.static
  for (const key of ['ssl', 'fcgi', 'http2', 'http3'] as const) {
    if (v[key] !== undefined) out[key] = v[key]
  }
  return out
})

const channelShape = {
  mode: field(oneOf(LOG_MODES)),
  level: field(logLevel),
  encoding: field(oneOf(LOG_ENCODINGS)),
  line_ending: field(str),
  output: field(toStringList),
  err_output: field(toStringList),
  file_logger_options: field(looseMap),
  format: field(str),
  time_format: field(str),
  skip_line_ending: field(toBool),
}

const channelSchema = section(channelShape).transform((v): LogChannelConfig => {
  const out: LogChannelConfig = {}
  for (const [k, val] of Object.entries(v)) {
    if (val !== undefined) (out as Record<string, unknown>)[k] = val
  }
  return out
})

const channelsSchema = z
  .unknown()
  .optional()
  .transform((v) => v ?? {})
  .pipe(
    z.record(z.string(), channelSchema, {
      error: (iss) =>
        iss.code === 'invalid_type' ? `expected a map, got ${describe(iss.input)}` : undefined,
    }),
  )

export const logsSchema = section({
  ...channelShape,
  mode: field(oneOf(LOG_MODES), 'development'),
  level: field(logLevel, 'debug'),
  line_ending: field(str, '\n'),
  output: field(toStringList, () => ['stderr']),
  err_output: field(toStringList, () => ['stderr']),
  skip_line_ending: field(toBool, false),
  channels: channelsSchema,
}).transform((v): LogsConfig => {
  const out: LogsConfig = {
    mode: v.mode,
    level: v.level,
    encoding: v.encoding ?? (v.mode === 'production' ? 'json' : 'console'),
    line_ending: v.line_ending === '' ? '\n' : v.line_ending,
    output: v.output.length > 0 ? v.output : ['stderr'],
    err_output: v.err_output.length > 0 ? v.err_output : ['stderr'],
    channels: v.channels,
    skip_line_ending: v.skip_line_ending,
  }
  if (v.file_logger_options !== undefined) out.file_logger_options = v.file_logger_options
  if (v.format !== undefined) out.format = v.format
  if (v.time_format !== undefined) out.time_format = v.time_format
  return out
})

export const rpcSchema = optionalSection({ listen: field(rpcListen) }).transform(
  (v): RpcConfig | undefined =>
    v && { listen: v.listen ?? DEFAULT_RPC_LISTEN, listen_set: v.listen !== undefined },
)

export const metricsSchema = optionalSection({
  address: field(hostPort, '127.0.0.1:2112'),
  collect: field(looseMap),
}).transform((v): MetricsConfig | undefined => {
  if (v === undefined) return undefined
  return v.collect === undefined
    ? { address: v.address }
    : { address: v.address, collect: v.collect }
})

export const statusSchema = optionalSection({
  address: field(hostPort),
  unavailable_status_code: field(toStatusCode, 503),
  check_timeout: field(parseDuration, MINUTE),
}).transform((v, ctx): StatusConfig | undefined => {
  if (v === undefined) return undefined
  if (v.address === undefined) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'required, but missing' })
    return z.NEVER
  }
  return {
    address: v.address,
    unavailable_status_code: v.unavailable_status_code || 503,
    check_timeout: v.check_timeout || MINUTE,
  }
})

const looseSections = Object.fromEntries(LOOSE_SECTIONS.map((name) => [name, field(looseMap)])) as {
  [K in LooseSectionName]: z.ZodType<LooseSection | undefined, unknown>
}

const CONSUMED_BY_LOADER = new Set(['version', 'include', 'envfile'])

/**
 * The whole file after env expansion and `-o` overrides. `version` is checked before this runs
 * (see load-config.ts); `include` and `envfile` are consumed by the loader.
 */
export const configSchema = root({
  version: z.unknown().optional(),
  include: field(includeList),
  envfile: field(str),
  server: serverSchema,
  http: httpSchema,
  logs: logsSchema,
  rpc: rpcSchema,
  metrics: metricsSchema,
  status: statusSchema,
  ...looseSections,
}).transform((v, ctx): ValidatedConfig => {
  if (v.http !== undefined && v.server === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['server'],
      message: 'required by the http section, but missing (server.command starts the PHP workers)',
    })
    return z.NEVER
  }
  const out: ValidatedConfig = { version: '3', logs: v.logs }
  for (const [k, val] of Object.entries(v)) {
    if (val !== undefined && !CONSUMED_BY_LOADER.has(k)) (out as Record<string, unknown>)[k] = val
  }
  return out
})
