// Structured logger (pino), shaped by RoadRunner's `logs` section; plugins get channel loggers.
//
// JSON lines have RoadRunner's production shape (zap): {"level":"info","ts":<unix seconds>,
// "logger":"<plugin>","msg":"…",…fields}. Every line has `level`, `ts`, `logger` and `msg`:
// Laravel Octane reads `$line['msg']` and `$line['logger']` of every JSON line it gets.
// A worker's own output (stderr) is logged with that output as the message, as RR does.

import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino'
import pretty from 'pino-pretty'

export interface LoggerOptions {
  /** development | production | raw | off | none */
  mode?: string
  /** debug | info | warn | error | dpanic | panic | fatal */
  level?: string
  /** console | json */
  encoding?: string
  /** stderr | stdout | a file path; several write to each. */
  output?: string | readonly string[]
  /** Per-plugin overrides (`logs.channels.<plugin>`). */
  channels?: Readonly<Record<string, Omit<LoggerOptions, 'channels'>>>
}

const LEVELS: Record<string, LevelWithSilent> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  dpanic: 'fatal',
  panic: 'fatal',
  fatal: 'fatal',
}

/** The name on lines logged by Courser itself rather than by a plugin. */
export const ROOT_CHANNEL = 'courser'

/** The logger without a `logger` binding behind each createLogger() result, and its options. */
const roots = new WeakMap<Logger, { base: Logger; opts: LoggerOptions }>()

/** The root logger; its own lines carry `logger: "courser"`. Plugins log through channel(). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const base = build(opts)
  const log = base.child({ logger: ROOT_CHANNEL })
  roots.set(log, { base, opts })
  return log
}

/**
 * The logger of one plugin (`logger` field = its name), honouring `logs.channels.<name>`: a channel
 * that only sets `level` (or mode off) is a child; one with its own mode, encoding or output gets
 * its own destination.
 */
export function channel(root: Logger, name: string): Logger {
  const { base, opts } = roots.get(root) ?? { base: root, opts: {} }
  const own = opts.channels?.[name]
  if (own && (own.mode || own.encoding || own.output)) {
    const merged = { ...opts, ...own, channels: undefined }
    return build(merged).child({ logger: name })
  }
  const level = own?.level ? LEVELS[own.level.toLowerCase()] : undefined
  return level ? base.child({ logger: name }, { level }) : base.child({ logger: name })
}

function build(opts: LoggerOptions): Logger {
  const mode = (opts.mode ?? 'development').toLowerCase()
  if (mode === 'off' || mode === 'none') return pino({ level: 'silent' })
  const level = LEVELS[(opts.level ?? 'debug').toLowerCase()] ?? 'info'
  const outputs = [opts.output ?? 'stderr'].flat()
  const destination = outputs.length === 1 ? open(outputs[0]!) : multi(outputs.map(open))
  const encoding = opts.encoding ?? (mode === 'production' ? 'json' : 'console')
  const hooks = { logMethod: rrMessage }
  if (mode !== 'raw' && encoding === 'json') {
    return pino(
      {
        level,
        base: undefined,
        timestamp: () => `,"ts":${Date.now() / 1000}`,
        formatters: { level: (label) => ({ level: label }) },
        hooks,
      },
      destination,
    )
  }
  const stream = pretty({
    destination,
    sync: true,
    colorize: false,
    singleLine: true,
    ...(mode === 'raw'
      ? { ignore: 'level,time,logger,hostname,pid', messageFormat: '{msg}' }
      : {
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'hostname,pid,logger',
          messageFormat: '{if logger}{logger}: {end}{msg}',
        }),
  })
  return pino({ level, base: undefined, hooks }, stream)
}

function open(output: string): DestinationStream {
  if (output === 'stdout') return pino.destination({ fd: 1, sync: true })
  if (output === 'stderr' || output === '') return pino.destination({ fd: 2, sync: true })
  return pino.destination({ dest: output, sync: true, mkdir: true })
}

function multi(streams: DestinationStream[]): DestinationStream {
  return { write: (line: string) => streams.forEach((s) => s.write(line)) }
}

/**
 * Every line gets a string message (Octane reads `msg` of every line); a worker's output line
 * (`{worker_output}`, 'worker output') carries that output as its message, like RR's server logger.
 */
function rrMessage(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const [first, second] = args
  if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
    const output = (first as { worker_output?: unknown }).worker_output
    if (typeof output === 'string' && second === 'worker output') {
      const rest: Record<string, unknown> = { ...(first as Record<string, unknown>) }
      delete rest['worker_output']
      method.apply(this, [rest, output, ...args.slice(2)])
      return
    }
    if (typeof second !== 'string') {
      method.apply(this, [first, '', ...args.slice(1)])
      return
    }
  }
  method.apply(this, args)
}

export type { Logger }
