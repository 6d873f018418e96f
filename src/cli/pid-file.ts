// The `.pid` file of `serve -p` and `stop` (RoadRunner's convention: `.pid` in the current directory).

import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CourserError } from '../errors.ts'

export const PID_FILE = '.pid'

/** Writes this process's pid; the file is removed when the process exits. */
export function writePidFile(path = PID_FILE): void {
  const file = resolve(path)
  try {
    writeFileSync(file, String(process.pid))
  } catch (err) {
    throw new CourserError('ERR_PID_FILE', `${file}: ${(err as Error).message}`, { cause: err })
  }
  process.once('exit', () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file)
    } catch {
      // already gone
    }
  })
}

export function readPidFile(path = PID_FILE): number {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new CourserError(
      'ERR_PID_FILE',
      `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; start the server with \`courser serve -p\` to create it`,
    )
  }
  const pid = Number(text.trim())
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new CourserError('ERR_PID_FILE', `${file}: ${JSON.stringify(text.trim())} is not a pid`)
  }
  return pid
}
