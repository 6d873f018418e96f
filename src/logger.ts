// Structured logger (pino), shaped by RoadRunner's `logs` section; plugins get child loggers.

import { pino, type Logger, type LevelWithSilent } from 'pino'
import pretty from 'pino-pretty'

export interface LoggerOptions {
  /** development | production | raw | off | none */
  mode?: string
  /** debug | info | warn | error | panic | fatal */
  level?: string
  /** console | json */
  encoding?: string
  /** stderr | stdout | a file path */
  output?: string
}

const LEVELS: Record<string, LevelWithSilent> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  panic: 'fatal',
  fatal: 'fatal',
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const mode = opts.mode ?? 'development'
  if (mode === 'off' || mode === 'none') return pino({ level: 'silent' })
  const level = LEVELS[opts.level ?? (mode === 'development' ? 'debug' : 'info')] ?? 'info'
  const fd = opts.output === 'stdout' ? 1 : 2
  const destination =
    opts.output && opts.output !== 'stdout' && opts.output !== 'stderr'
      ? pino.destination({ dest: opts.output, sync: false, mkdir: true })
      : pino.destination({ fd, sync: true })
  const json = (opts.encoding ?? (mode === 'production' ? 'json' : 'console')) === 'json'
  if (json || mode === 'raw') {
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination)
  }
  const stream = pretty({
    destination,
    sync: true,
    colorize: false,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'hostname,pid',
    singleLine: true,
  })
  return pino({ level, base: undefined }, stream)
}

export type { Logger }
