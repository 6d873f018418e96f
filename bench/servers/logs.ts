// Startup failures quote the end of the server's log.

import { readFileSync } from 'node:fs'

export function logTail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd()
    return text === '' ? '(log empty)' : text.split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

export function startError(what: string, err: unknown, logFiles: readonly string[]): Error {
  const tails = logFiles.map((f) => `--- ${f}\n${logTail(f)}`).join('\n')
  return new Error(`${what} failed to start: ${(err as Error).message}\n${tails}`)
}
