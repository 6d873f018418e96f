// Starts the PHP process: no shell, own process group, RoadRunner's environment (spec §2.1, §2.2).

import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { createFifoPipes, type FifoPipes } from '../transport/index.ts'
import { withSchedPolicy, type SchedPolicy } from './sched.ts'

export interface SpawnOptions {
  /** argv; the first element is executed directly. */
  command: readonly string[]
  cwd: string
  /** Extra environment on top of the server's own (RR_MODE, RR_RELAY, server.env...). */
  env: Readonly<Record<string, string>>
  /** Pipes relay needs stdin/stdout for frames; socket relays leave stdout to the log. */
  relay: 'pipes' | 'socket'
  /** `batch`: start under SCHED_BATCH when the system allows it (see sched.ts). Default `normal`. */
  schedPolicy?: SchedPolicy
}

export interface SpawnedWorker {
  child: ChildProcess
  /** Frames to the worker (its stdin) and from it (its stdout). */
  stdin: Writable
  stdout: Readable
}

/**
 * Spawns the worker. With the pipes relay its stdin/stdout are kernel FIFOs (cheaper wake-ups than
 * libuv's socketpairs); if FIFOs cannot be made, ordinary stdio pipes are used.
 */
export async function spawnWorkerProcess(opts: SpawnOptions): Promise<SpawnedWorker> {
  if (!opts.command[0]) throw new Error('empty worker command')
  const env = { ...process.env, ...opts.env }
  const command = await withSchedPolicy(
    opts.command,
    opts.schedPolicy ?? 'normal',
    opts.cwd,
    env.PATH,
  )
  const [file, ...args] = command as [string, ...string[]]
  let fifos: FifoPipes | null = null
  if (opts.relay === 'pipes' && process.platform === 'linux') {
    fifos = await createFifoPipes().catch(() => null)
  }
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env,
    stdio: fifos ? [fifos.childStdin, fifos.childStdout, 'pipe'] : ['pipe', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the server, which stops workers in order.
    detached: true,
    windowsHide: true,
  })
  if (!fifos) return { child, stdin: child.stdin!, stdout: child.stdout! }
  fifos.releaseChildEnds()
  if (child.pid === undefined) {
    fifos.toWorker.destroy()
    fifos.fromWorker.destroy()
  }
  return { child, stdin: fifos.toWorker, stdout: fifos.fromWorker }
}
