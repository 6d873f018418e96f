// Child processes the benchmark starts: long-running servers (stopped with their whole process
// tree, also on Ctrl-C and errors) and short commands whose output is captured.

import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive, processTree, type ProcStat } from './proc.ts'

/** Every server and command still running, for stopAll(). */
const running = new Set<{ stop(): Promise<void> }>()
/** Set by stopAll(): nothing new starts once the benchmark is shutting down. */
let closing = false

function refuseIfClosing(what: string): void {
  if (closing) throw new Error(`not starting ${what}: the benchmark is stopping`)
}

export interface ServerProcessOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** stdout and stderr are appended to this file */
  logFile: string
}

/** A server process; stop() ends it and every process it started. */
export class ServerProcess {
  readonly pid: number
  readonly exited: Promise<string>
  private readonly child: ChildProcess
  private hasExited = false
  /** every process of the tree seen so far: descendants outlive a killed parent */
  private readonly seen = new Map<number, ProcStat>()

  readonly name: string

  constructor(name: string, command: string, args: readonly string[], opts: ServerProcessOptions) {
    refuseIfClosing(name)
    this.name = name
    const log = openSync(opts.logFile, 'a')
    try {
      this.child = spawn(command, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', log, log],
      })
    } finally {
      closeSync(log)
    }
    if (this.child.pid === undefined) throw new Error(`${name}: could not start ${command}`)
    this.pid = this.child.pid
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.hasExited = true
        resolve(signal ?? `exit code ${code}`)
      })
      this.child.once('error', (err) => {
        this.hasExited = true
        resolve(err.message)
      })
    })
    running.add(this)
  }

  get alive(): boolean {
    return !this.hasExited
  }

  /** The live processes of the tree, root first (and remembers them for stop()). */
  tree(): ProcStat[] {
    const tree = this.hasExited ? [] : processTree(this.pid)
    for (const p of tree) this.seen.set(p.pid, p)
    return tree
  }

  /** SIGTERM, then SIGKILL after `graceMs`; then the same for any process of the tree left over. */
  async stop(graceMs = 10_000): Promise<void> {
    this.tree()
    if (!this.hasExited) {
      this.child.kill('SIGTERM')
      const timer = new AbortController()
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        sleep(graceMs, true, { signal: timer.signal }).catch(() => false),
      ])
      timer.abort()
      if (timedOut) {
        console.error(`bench: ${this.name} did not stop in ${graceMs} ms; killing it`)
        this.child.kill('SIGKILL')
        await this.exited
      }
    }
    // Workers stop when their parent tells them (or closes their pipes): give them a moment.
    const left = (): ProcStat[] =>
      [...this.seen.values()].filter((p) => isAlive(p.pid, p.startTicks))
    for (let i = 0; i < 50 && left().length > 0; i++) await sleep(100)
    for (const p of left()) {
      console.error(`bench: ${this.name}: process ${p.pid} (${p.comm}) survived; killing it`)
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    running.delete(this)
  }
}

export interface CommandResult {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

/** A short-lived command with captured output; `started` sees the child (e.g. for its pid). */
export function runCommand(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; started?: (child: ChildProcess) => void } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    refuseIfClosing(command)
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const handle = {
      stop: async (): Promise<void> => {
        child.kill('SIGTERM')
        await Promise.resolve()
      },
    }
    running.add(handle)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      running.delete(handle)
      reject(new Error(`${command}: ${err.message}`))
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      running.delete(handle)
      resolve({ code, signal, stdout, stderr })
    })
    opts.started?.(child)
  })
}

/** Stops every server and command still running (on Ctrl-C, errors, and at the end). */
export async function stopAll(): Promise<void> {
  closing = true
  await Promise.all([...running].map((p) => p.stop()))
}
