// `npm run bench -- --profile`: where Courser's time goes, on both sides of the pipe. Each scenario
// is loaded twice, as a measurement is (warm-up, then a wrk run), and summarized as time per request:
//   1. samplers: node with V8's --cpu-prof, every PHP worker with Excimer: which functions.
//   2. perf: `perf record` on node and on the workers, which the samplers above would disturb:
//      user space against the kernel, and which syscalls (made by which JS function) cost what.
// Profiled runs are slower than measured ones, so they never feed the results table.

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { measure, type Measurement } from './measure.ts'
import { installed } from './deps.ts'
import { formatPerf, recordPerf, summarizePerf } from './perf.ts'
import {
  formatCollapsed,
  formatPhpSummary,
  formatSummary,
  readCollapsed,
  summarizeCpuProfile,
  summarizePhp,
  type TimeWindow,
} from './profile-summary.ts'
import { checkScenario, type Scenario } from './scenarios.ts'
import type { ProfileTarget } from './servers/courser.ts'
import type { RunningServer, ServerSpec, StartContext } from './servers/types.ts'
import { runWrk } from './wrk.ts'

export interface ProfileRun {
  scenario: Scenario
  /** the server to profile: Courser, set up for `target` */
  spec: (target: ProfileTarget) => ServerSpec
  /** a context with a free port, for each server start */
  ctx: () => Promise<StartContext>
  script: string
  connections: number
  threads: number
  durationS: number
  warmupS: number
  /** directory of this profile */
  dir: string
}

export interface ProfileResult {
  text: string
  /** what is missing (a profile that was not written) */
  failures: string[]
}

/** The clock of V8's profiles and PHP's hrtime(): CLOCK_MONOTONIC, in µs. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

interface Loaded<T> {
  m: Measurement
  window: TimeWindow
  during: T
}

/**
 * Starts the server, checks and warms it up, measures one run while `during` watches it, and
 * stops it (which is when node and the workers write their profiles).
 */
async function loadOnce<T>(
  run: ProfileRun,
  target: ProfileTarget,
  during: (server: RunningServer) => Promise<T>,
): Promise<Loaded<T>> {
  const spec = run.spec(target)
  const server = await spec.start(await run.ctx())
  try {
    const wrong = await checkScenario(server.url, run.scenario)
    if (wrong) throw new Error(`${spec.label}: wrong answer: ${wrong}`)
    const load = { url: server.url + run.scenario.path, script: run.script, threads: run.threads }
    if (run.warmupS > 0) {
      await runWrk({ ...load, connections: run.connections, durationS: run.warmupS })
    }
    const fromUs = monotonicUs()
    const measuring = measure(server, {
      ...load,
      connections: run.connections,
      durationS: run.durationS,
    })
    const watched = during(server)
    const m = await measuring
    const window = { fromUs, toUs: monotonicUs() }
    // The workers read it when they stop: only samples in the measured run count.
    writeFileSync(join(target.dir, 'window.json'), JSON.stringify(window))
    return { m, window, during: await watched }
  } finally {
    await server.stop()
  }
}

function describeRun(m: Measurement): string {
  const cpu = Object.entries(m.cpuUsPerReq)
    .map(([role, us]) => `${role} ${us}`)
    .join(', ')
  return `${Math.round(m.wrk.rps)} req/s, p99 ${m.wrk.p99Ms.toFixed(2)} ms; CPU µs per request (/proc): ${cpu}`
}

/** Pass 1: V8's --cpu-prof in node, Excimer in the workers. */
async function samplersPass(run: ProfileRun, failures: string[]): Promise<string> {
  const dir = join(run.dir, 'samplers')
  mkdirSync(dir, { recursive: true })
  const { m, window } = await loadOnce(run, { pass: 'samplers', dir }, () => Promise.resolve())
  const out = [`Pass 1, under V8's and Excimer's samplers: ${describeRun(m)}`]
  const cpuprofile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (cpuprofile) {
    renameSync(join(dir, cpuprofile), join(dir, 'node.cpuprofile'))
    const node = summarizeCpuProfile(join(dir, 'node.cpuprofile'), m.wrk.requests, window)
    out.push(formatSummary("node (V8's --cpu-prof, main thread)", node))
  } else {
    failures.push(`${dir}: node wrote no .cpuprofile (did it stop cleanly?)`)
  }
  const collapsed = readCollapsed(dir)
  if (collapsed.workers > 0) {
    writeFileSync(join(dir, 'php.collapsed'), formatCollapsed(collapsed.stacks))
    const php = summarizePhp(collapsed.stacks)
    out.push(formatPhpSummary(`PHP (Excimer, ${collapsed.workers} workers)`, php))
  } else if (installed('php-excimer')) {
    failures.push(`${dir}: the workers wrote no Excimer profile (did they stop cleanly?)`)
  } else {
    out.push('PHP: not profiled; install php-excimer (`--profile` does when it may install)')
  }
  out.push(
    `Files: ${dir}/node.cpuprofile (Chrome DevTools' Performance panel, or \`npx speedscope\`), ` +
      `php.collapsed (speedscope, flamegraph.pl).`,
  )
  return out.join('\n\n')
}

/** Pass 2: perf on node and on the workers, nothing else attached. */
async function perfPass(run: ProfileRun): Promise<string> {
  const dir = join(run.dir, 'perf')
  mkdirSync(dir, { recursive: true })
  // perf records the middle of the run, once wrk's connections are all busy.
  const lead = Math.min(0.5, run.durationS / 5)
  const seconds = run.durationS - 2 * lead
  const pids: Record<'node' | 'php', number[]> = { node: [], php: [] }
  const { m, during } = await loadOnce(
    run,
    { pass: 'perf', dir },
    async (server): Promise<{ error?: string }> => {
      await sleep(lead * 1000)
      for (const p of server.processes()) {
        if (p.role === 'node' || p.role === 'php') pids[p.role].push(p.proc.pid)
      }
      return recordPerf(join(dir, 'perf.data'), seconds)
    },
  )
  try {
    const { error } = during
    const out = [`Pass 2, under perf (${seconds.toFixed(1)} s of the run): ${describeRun(m)}`]
    if (error) return [...out, `perf: ${error}`].join('\n\n')
    // The requests answered while perf recorded, at the run's rate.
    const requests = Math.max(1, Math.round(m.wrk.rps * seconds))
    const [node, php] = await summarizePerf(
      join(dir, 'perf.data'),
      [
        { pids: pids.node, jsCallers: true },
        { pids: pids.php, jsCallers: false },
      ],
      requests,
    )
    out.push(formatPerf('node (perf)', node!), formatPerf('PHP workers (perf)', php!))
    return out.join('\n\n')
  } finally {
    for (const pid of pids.node) rmSync(`/tmp/perf-${pid}.map`, { force: true })
  }
}

/** Both passes; the summary is also written to summary.txt in `run.dir`. */
export async function profileScenario(run: ProfileRun): Promise<ProfileResult> {
  mkdirSync(run.dir, { recursive: true })
  const failures: string[] = []
  const text = [await samplersPass(run, failures), await perfPass(run)].join('\n\n') + '\n'
  writeFileSync(join(run.dir, 'summary.txt'), text)
  return { text, failures }
}
