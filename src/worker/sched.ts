// Scheduling policy of worker processes (Linux). A request wakes its worker with a pipe write; a
// SCHED_OTHER worker then usually preempts the server on that core at once, so the server is
// switched out after every request instead of finishing the batch of ready events it holds.
// SCHED_BATCH never preempts on wake-up and otherwise gets the same fair share of CPU. Measured on
// 2 cores (Lumen `/`, 16 connections): 11,500 → 15,000-18,000 req/s. PHP cannot set its own policy
// (no sched_setscheduler), Node cannot set another process's, so workers start through util-linux's
// `chrt`, which execs the command in place: the pid, argv and process group stay the worker's.

import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'

export type SchedPolicy = 'batch' | 'normal'

const CHRT_BATCH = ['chrt', '--batch', '0'] as const

let probe: Promise<boolean> | null = null

/**
 * Whether workers can be started under SCHED_BATCH here: Linux, `chrt` installed, and the policy
 * allowed (a seccomp profile may forbid sched_setscheduler). Checked once, by running `chrt` itself.
 */
export function schedBatchAvailable(): Promise<boolean> {
  probe ??=
    process.platform !== 'linux'
      ? Promise.resolve(false)
      : new Promise((done) => {
          execFile(CHRT_BATCH[0], [...CHRT_BATCH.slice(1), 'true'], { timeout: 5000 }, (err) =>
            done(!err),
          )
        })
  return probe
}

/**
 * The argv to spawn for `command` under `policy`. The prefix is added only when the command's
 * executable exists: otherwise the spawn must fail as it would without `chrt` (ENOENT, reported as
 * a boot failure naming the command), not as a `chrt` error.
 */
export async function withSchedPolicy(
  command: readonly string[],
  policy: SchedPolicy,
  cwd: string,
  path: string | undefined,
): Promise<readonly string[]> {
  if (policy !== 'batch' || !command[0]) return command
  if (!findExecutable(command[0], cwd, path) || !(await schedBatchAvailable())) return command
  return [...CHRT_BATCH, ...command]
}

function findExecutable(file: string, cwd: string, path: string | undefined): string | null {
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(cwd, file)]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(resolve(cwd, dir), file))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return null
}
