// Command-line options of `npm run bench -- [options]`.

import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { SCENARIOS, type Scenario } from './scenarios.ts'

export interface Options {
  smoke: boolean
  /** seconds of load per measured run */
  durationS: number
  /** seconds of load before each measurement, at its connection count */
  warmupS: number
  /** seconds of load right after a server started, before its first warm-up */
  startupWarmupS: number
  /** each server is started this many times; results are medians over the rounds */
  rounds: number
  connections: number[]
  scenarios: Scenario['id'][]
  /** Courser workers */
  workers: number
  /** Courser's logs.level (info: a log line per request) */
  courserLogLevel: string
  /** pm.max_children values, one nginx + php-fpm server each (no keep-alive to php-fpm) */
  fpmChildren: number[]
  /** the same, with upstream keepalive + fastcgi_keep_conn on */
  fpmKeepConn: number[]
  /** the same, with opcache's tracing JIT on (no keep-alive to php-fpm) */
  fpmJit: number[]
  /** Courser with the tracing JIT on (the example's), off, or both */
  courserJit: boolean[]
  /** wrk threads (at most one per connection) */
  threads: number
  /** seconds per route for bench-dispatch.php (0: skip) */
  dispatchS: number
  install: boolean
  build: boolean
  /** skip the ceilings: bare node:http, and Courser with a no-op PHP worker */
  bare: boolean
  /** run only these servers (ids: fpm-2, fpm-4, fpm-2-kc, fpm-2-jit, courser, courser-nojit, courser-hello, node-http) */
  only?: string[]
  /** where the JSON files and the chart go (default bench/results; --smoke: the raw dir) */
  out?: string
  /** profile Courser (node's --cpu-prof, Excimer in the workers) instead of measuring */
  profile: boolean
}

export const USAGE = `usage: npm run bench -- [options]

  --smoke              a few seconds: GET / only, 1 connection, 1 s runs; fails on any wrong answer
  --duration <s>       seconds per measured run (default 3)
  --warmup <s>         seconds of warm-up before each measurement, at its load (default 1)
  --startup-warmup <s> seconds of load at the highest connection count right after a server
                       started (default 3)
  --rounds <n>         start every server n times, report medians (default 3)
  --connections <list> wrk connection counts (default 1,16,64)
  --scenarios <list>   root,hello,form,big (default all)
  --workers <n>        Courser workers (default: number of cores)
  --courser-log-level <level>  Courser's logs.level (default warn: no per-request log line, as
                       nginx's access_log off; info, the example's, logs every request)
  --fpm-children <list> pm.max_children values (default: number of cores and 4)
  --fpm-keep-conn <list> pm.max_children values to run with nginx keeping its connections to
                       php-fpm alive (fastcgi_keep_conn on + upstream keepalive; default: number
                       of cores, none with --smoke; 0 for none)
  --fpm-jit <list>     pm.max_children values to run with opcache's tracing JIT on (default:
                       number of cores, none with --smoke; 0 for none)
  --courser-jit <list> on, off or on,off: Courser's workers with the tracing JIT (the example's)
                       and/or without it (default on,off; on with --smoke)
  --threads <n>        wrk threads (default: number of cores)
  --dispatch <s>       seconds per route for bench-dispatch.php, 0 to skip (default 2)
  --no-bare            skip the ceiling servers: bare node:http, and Courser with a no-op PHP
                       worker (courser-hello)
  --only <ids>         run only these servers, e.g. courser,fpm-2 (ids: fpm-N, fpm-N-kc,
                       fpm-N-jit, courser, courser-nojit, courser-hello, node-http)
  --out <dir>          write the JSON files and the chart there instead of bench/results
  --no-install         do not check or install Debian packages
  --no-build           do not rebuild dist/ when src/ is newer
  --profile            instead of measuring: profile Courser on each scenario (node with
                       --cpu-prof, each PHP worker with Excimer from php-excimer) and print where
                       the time per request goes on both sides; profiles are kept in the raw dir
                       (defaults change to: 16 connections, 5 s runs, --courser-jit on)
`

function list(s: string): number[] {
  const out = s.split(',').map((x) => Number(x.trim()))
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`bad list: ${s}`)
  return out
}

function onOff(s: string): boolean[] {
  const out = [...new Set(s.split(',').map((x) => x.trim()))]
  if (out.length === 0 || out.some((x) => x !== 'on' && x !== 'off')) {
    throw new Error(`bad --courser-jit: ${s} (on, off or on,off)`)
  }
  return out.map((x) => x === 'on')
}

function num(s: string | undefined, fallback: number, min = 0): number {
  if (s === undefined) return fallback
  const n = Number(s)
  if (!Number.isFinite(n) || n < min) throw new Error(`bad number: ${s}`)
  return n
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'startup-warmup': { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      scenarios: { type: 'string' },
      workers: { type: 'string' },
      'courser-log-level': { type: 'string' },
      'fpm-children': { type: 'string' },
      'fpm-keep-conn': { type: 'string' },
      'fpm-jit': { type: 'string' },
      'courser-jit': { type: 'string' },
      threads: { type: 'string' },
      dispatch: { type: 'string' },
      'no-bare': { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  const cores = availableParallelism()
  const smoke = values.smoke
  const profile = values.profile
  const scenarios = (values.scenarios ?? (smoke ? 'root' : SCENARIOS.map((s) => s.id).join(',')))
    .split(',')
    .map((s) => s.trim())
  for (const s of scenarios) {
    if (!SCENARIOS.some((x) => x.id === s)) throw new Error(`unknown scenario: ${s}`)
  }
  const keepConn = values['fpm-keep-conn'] ?? (smoke ? '0' : `${cores}`)
  const fpmJit = values['fpm-jit'] ?? (smoke ? '0' : `${cores}`)
  return {
    smoke,
    durationS: Math.max(1, Math.round(num(values.duration, smoke ? 1 : profile ? 5 : 3, 1))),
    warmupS: Math.round(num(values.warmup, smoke ? 0 : 1)),
    startupWarmupS: Math.round(num(values['startup-warmup'], smoke ? 0 : 3)),
    rounds: Math.round(num(values.rounds, smoke ? 1 : 3, 1)),
    connections: list(values.connections ?? (smoke ? '1' : profile ? '16' : '1,16,64')),
    scenarios: scenarios as Scenario['id'][],
    workers: Math.round(num(values.workers, cores, 1)),
    courserLogLevel: values['courser-log-level'] ?? 'warn',
    fpmChildren: [...new Set(list(values['fpm-children'] ?? (smoke ? `${cores}` : `${cores},4`)))],
    fpmKeepConn: keepConn === '0' ? [] : [...new Set(list(keepConn))],
    fpmJit: fpmJit === '0' ? [] : [...new Set(list(fpmJit))],
    courserJit: onOff(values['courser-jit'] ?? (smoke || profile ? 'on' : 'on,off')),
    threads: Math.round(num(values.threads, cores, 1)),
    dispatchS: num(values.dispatch, smoke ? 0.2 : 2),
    install: !values['no-install'],
    build: !values['no-build'],
    bare: !values['no-bare'],
    out: values.out,
    only: values.only?.split(',').map((x) => x.trim()),
    profile,
  }
}
