// A real pino logger that keeps every line as an object, for assertions on what was logged.

import { pino, type Logger } from 'pino'

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export interface CapturedLog {
  log: Logger
  lines: LogLine[]
}

export function captureLogger(level: 'debug' | 'info' = 'debug'): CapturedLog {
  const lines: LogLine[] = []
  const log = pino(
    { level, base: undefined },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as LogLine)
      },
    },
  )
  return { log, lines }
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** Every log line rendered as one string per line, for failure messages. */
export function dump(lines: readonly LogLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n')
}
