// What every benchmarked server provides to the harness.

import type { ProcStat } from '../proc.ts'
import type { Scenario } from '../scenarios.ts'

export interface StartContext {
  /** private directory for configs and sockets (removed at the end) */
  tmpDir: string
  /** where server logs go (kept with the raw results) */
  logDir: string
  /** free TCP port on 127.0.0.1 */
  port: number
  /** examples/lumen */
  appDir: string
  /** repository root */
  rootDir: string
}

/** A process of a running server, with the part it plays ('node', 'php', 'nginx', 'php-fpm'). */
export interface ServerProc {
  role: string
  proc: ProcStat
}

export interface RunningServer {
  url: string
  /** every live process of the server */
  processes(): ServerProc[]
  /** stops the server and every process it started; safe to call twice */
  stop(): Promise<void>
}

export interface ServerSpec {
  /** short id used in file names and JSON, e.g. 'fpm-2' */
  id: string
  /** human-readable name for tables and charts */
  label: string
  /** the settings that matter for reading the results */
  settings: Record<string, unknown>
  /** a ceiling (bare node:http, Courser with a no-op worker), not a contender: no ratios */
  ceiling?: boolean
  /** scenarios this server can serve (all when absent) */
  scenarios?: readonly Scenario['id'][]
  start(ctx: StartContext): Promise<RunningServer>
}
