// Starts bin/courser as a real child process and waits for its "listening" log line.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

export const ROOT = new URL('../..', import.meta.url).pathname

export interface CourserProcess {
  child: ChildProcess
  port: number
  /** Everything written to stdout and stderr so far. */
  output(): string
  /** Only what was written to stdout (e.g. JSON log lines with logs.output=stdout). */
  stdout(): string
  /** Pids of the PHP workers (direct children of the server). */
  workerPids(): number[]
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>
}

export async function startCourser(
  args: string[],
  timeoutMs = 20_000,
  opts: { cwd?: string } = {},
): Promise<CourserProcess> {
  const child = spawn(process.execPath, [`${ROOT}bin/courser`, ...args], {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let stdout = ''
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString()
    stdout += c.toString()
  })
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`courser did not start:\n${out}`)), timeoutMs)
    const check = (): void => {
      const m = /listening on [^\s"]*:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }
    child.stdout.on('data', check)
    child.stderr.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`courser exited with ${code}:\n${out}`))
    })
  })
  return {
    child,
    port,
    output: () => out,
    stdout: () => stdout,
    workerPids: () => childPids(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const [code] = (await once(child, 'exit')) as [number | null]
      return code
    },
  }
}

export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0)
  } catch {
    return [] // ps exits 1 when there are none
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitFor(
  cond: () => boolean,
  timeoutMs: number,
  stepMs = 20,
): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, stepMs))
  }
  return cond()
}

/** A TCP port free on 127.0.0.1 right now, for listeners the test must know in advance (rpc, status). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}
