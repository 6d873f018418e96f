// Courser on the Lumen example's own .rr.yaml, with overrides only for the address, the number of
// workers, the worker command (opcache on, timestamps unchecked, as php-fpm runs; the tracing JIT on
// as in the example, or off) and the log level (by default `warn`: no per-request `http log` line,
// as nginx runs with access_log off).

import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitForHttp } from '../http.ts'
import { CLI_INI, iniArgs, withJit } from '../php-ini.ts'
import { ServerProcess } from '../process.ts'
import { VERSION_BODY } from '../scenarios.ts'
import { startError } from './logs.ts'
import type { RunningServer, ServerSpec, StartContext } from './types.ts'

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The worker command. `-o server.command=…` may hold spaces: Courser splits a command string on
 * whitespace (RoadRunner's rule), so this is argv ['php', '-d', …, 'worker.php'].
 */
function workerCommand(jit: boolean, prepend?: string): string {
  const ini = withJit(CLI_INI, jit)
  if (prepend) {
    // Courser splits the command on whitespace.
    if (/\s/.test(prepend)) throw new Error(`--profile: the path ${prepend} has a space in it`)
    ini.push(`auto_prepend_file=${prepend}`)
  }
  return ['php', ...iniArgs(ini), 'worker.php'].join(' ')
}

/**
 * `--profile`, in two passes. 'samplers': node with --cpu-prof and every worker with Excimer
 * (bench/php/profile-prepend.php), both writing their profiles into `dir` when the server stops.
 * 'perf': node with --perf-basic-prof only (perf names its JS functions), nothing in the workers.
 */
export interface ProfileTarget {
  pass: 'samplers' | 'perf'
  dir: string
}

/**
 * `logLevel`: `logs.level`; `info` (the example's) logs every request, as RoadRunner does. `jit`:
 * the example's tracing JIT (id `courser`), or none (`courser-nojit`).
 */
export function courserServer(
  workers: number,
  logLevel: string,
  jit: boolean,
  profile?: ProfileTarget,
): ServerSpec {
  const id = jit ? 'courser' : 'courser-nojit'
  const samplers = profile?.pass === 'samplers'
  const prepend = samplers ? resolve(BENCH_DIR, 'php/profile-prepend.php') : undefined
  const overrides: Record<string, string | number> = {
    'http.pool.num_workers': workers,
    'server.command': workerCommand(jit, prepend),
    'logs.level': logLevel,
  }
  if (samplers) overrides['server.env.COURSER_BENCH_PROFILE_DIR'] = profile.dir
  const nodeArgs = !profile
    ? []
    : samplers
      ? ['--cpu-prof', `--cpu-prof-dir=${profile.dir}`]
      : ['--perf-basic-prof']
  return {
    id,
    label: `Courser (${workers}${jit ? '' : ', no JIT'})`,
    settings: { config: 'examples/lumen/.rr.yaml', ...overrides },
    start: (ctx) => startCourser(ctx, id, overrides, nodeArgs),
  }
}

/**
 * The Courser ceiling: the same server and config with a worker that does no PHP work
 * (bench/php/hello-worker.php answers the bytes of `GET /`), as bare node:http is node's ceiling.
 */
export function courserHelloServer(workers: number): ServerSpec {
  const overrides = {
    'http.pool.num_workers': workers,
    // Relative to the config's directory, where workers start.
    'server.command': 'php ../../bench/php/hello-worker.php',
    'server.env.BENCH_BODY': VERSION_BODY,
    'logs.level': 'warn',
  }
  return {
    id: 'courser-hello',
    label: `Courser (${workers}), no-op PHP`,
    settings: { config: 'examples/lumen/.rr.yaml', ...overrides },
    scenarios: ['root'],
    ceiling: true,
    start: (ctx) => startCourser(ctx, 'courser-hello', overrides),
  }
}

/** bin/courser on the example's .rr.yaml with `-o key=value` overrides. */
async function startCourser(
  ctx: StartContext,
  id: string,
  overrides: Record<string, string | number>,
  nodeArgs: readonly string[] = [],
): Promise<RunningServer> {
  const logFile = join(ctx.logDir, `${id}.out`)
  const args = [
    ...nodeArgs,
    join(ctx.rootDir, 'bin/courser'),
    '-c',
    join(ctx.appDir, '.rr.yaml'),
    '-o',
    `http.address=127.0.0.1:${ctx.port}`,
    ...Object.entries(overrides).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    'serve',
  ]
  const node = new ServerProcess('courser', process.execPath, args, {
    cwd: ctx.rootDir,
    logFile,
  })
  const url = `http://127.0.0.1:${ctx.port}`
  try {
    await waitForHttp(`${url}/`, node.exited)
  } catch (err) {
    await node.stop()
    throw startError('Courser', err, [logFile])
  }
  return {
    url,
    processes: () =>
      node.tree().map((proc) => ({ role: proc.pid === node.pid ? 'node' : 'php', proc })),
    stop: () => node.stop(),
  }
}
