// `npm run bench`: nginx + php-fpm, Courser and a bare node:http server on the Lumen example,
// one at a time, under the same wrk load; plus the in-process dispatch ceiling. See bench/README.md.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuilt } from './build.ts'
import { runDispatchCeiling } from './ceiling.ts'
import { renderChart } from './chart.ts'
import { ensurePackages, PACKAGES, PROFILE_PACKAGES } from './deps.ts'
import { machineInfo } from './machine.ts'
import { measure } from './measure.ts'
import { parseOptions, USAGE, type Options } from './options.ts'
import { profileScenario } from './profile.ts'
import { stopAll } from './process.ts'
import { fullTable, writeJson, type Cell, type Report } from './report.ts'
import { checkScenario, SCENARIOS, type Scenario } from './scenarios.ts'
import { bareNodeServer } from './servers/bare-node.ts'
import { courserHelloServer, courserServer } from './servers/courser.ts'
import { fpmServer } from './servers/fpm.ts'
import type { RunningServer, ServerSpec, StartContext } from './servers/types.ts'
import { runWrk, writeWrkScript } from './wrk.ts'

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const appDir = join(rootDir, 'examples/lumen')
const resultsDir = join(rootDir, 'bench/results')

let tmpDir: string | undefined
let stopping = false

const t0 = performance.now()

function log(msg: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(5)
  console.error(`bench: ${s}s ${msg}`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error())))
    })
  })
}

async function cleanup(): Promise<void> {
  await stopAll()
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true })
  tmpDir = undefined
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return
  stopping = true
  log(`${signal}: stopping the servers`)
  void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
}

function stamp(d: Date): { date: string; time: string } {
  const iso = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString()
  return { date: iso.slice(0, 10), time: iso.slice(11, 19).replaceAll(':', '') }
}

/** The servers, in the order of the first round. */
function serverSpecs(opts: Options): ServerSpec[] {
  const specs = [
    ...opts.fpmChildren.map((n) => fpmServer(n, false)),
    ...opts.fpmKeepConn.map((n) => fpmServer(n, true)),
    ...opts.fpmJit.map((n) => fpmServer(n, false, true)),
    ...opts.courserJit.map((jit) => courserServer(opts.workers, opts.courserLogLevel, jit)),
  ]
  if (opts.bare) specs.push(courserHelloServer(opts.workers), bareNodeServer())
  if (!opts.only) return specs
  const unknown = opts.only.filter((id) => !specs.some((x) => x.id === id))
  if (unknown.length > 0) throw new Error(`--only: no server ${unknown.join(', ')}`)
  return specs.filter((x) => opts.only!.includes(x.id))
}

/** One round for one server: start it, check, warm up and measure every scenario, stop it. */
async function runServer(
  spec: ServerSpec,
  ctx: Omit<StartContext, 'port'>,
  opts: Options,
  scenarios: readonly Scenario[],
  scripts: Map<string, string>,
  cells: Cell[],
  failures: string[],
  round: number,
): Promise<void> {
  log(`round ${round}: starting ${spec.label}`)
  let server: RunningServer
  try {
    server = await spec.start({ ...ctx, port: await freePort() })
  } catch (err) {
    failures.push(`${spec.label}: ${(err as Error).message}`)
    log(`${spec.label}: ${(err as Error).message}`)
    return
  }
  try {
    let fresh = true
    for (const s of scenarios) {
      if (spec.scenarios && !spec.scenarios.includes(s.id)) continue
      if (stopping) return
      const wrong = await checkScenario(server.url, s)
      if (wrong) {
        failures.push(`${spec.label}: ${wrong}`)
        log(`${spec.label}: wrong answer: ${wrong}`)
        continue
      }
      // What every wrk run of this scenario shares: the warm-ups and the measurements.
      const target = { url: server.url + s.path, script: scripts.get(s.id)!, threads: opts.threads }
      const maxConnections = Math.max(...opts.connections)
      if (fresh && opts.startupWarmupS > 0) {
        // A process that has just started is not in its steady state yet: node:http itself (and
        // Courser) showed a p99 at 1 connection of 1-2.6 ms for its first seconds under load, and
        // 0.2-0.7 ms from then on.
        await runWrk({ ...target, connections: maxConnections, durationS: opts.startupWarmupS })
      }
      fresh = false
      for (const connections of opts.connections) {
        if (stopping) return
        // And at the very load about to be measured, right before it.
        if (opts.warmupS > 0) {
          await runWrk({ ...target, connections, durationS: opts.warmupS })
        }
        const m = await measure(server, {
          ...target,
          connections,
          durationS: opts.durationS,
          top: round === 1 && connections === maxConnections && !opts.smoke,
        })
        const errors = m.wrk.non2xx + m.wrk.socketErrors
        log(
          `  ${s.id.padEnd(5)} c=${String(connections).padEnd(3)} ${spec.id.padEnd(9)}` +
            ` ${Math.round(m.wrk.rps).toString().padStart(7)} req/s  p99 ${m.wrk.p99Ms.toFixed(2)} ms` +
            `  errors ${errors}  cpu ${JSON.stringify(m.cpuPct)}`,
        )
        if (m.top) writeFileSync(join(ctx.logDir, `top-${spec.id}-${s.id}.txt`), m.top + '\n')
        if (errors > 0) {
          failures.push(
            `${spec.label}: ${s.method} ${s.path} with ${connections} connections: ` +
              `${m.wrk.non2xx} non-2xx responses, ${m.wrk.socketErrors} socket errors`,
          )
        }
        let cell = cells.find(
          (c) => c.server === spec.id && c.scenario === s.id && c.connections === connections,
        )
        if (!cell) {
          cell = { server: spec.id, scenario: s.id, connections, runs: [] }
          cells.push(cell)
        }
        cell.runs.push(m)
      }
      // Still answering right after the load?
      const after = await checkScenario(server.url, s)
      if (after) failures.push(`${spec.label}: after the load: ${after}`)
    }
  } finally {
    await server.stop()
  }
}

/** `--profile`: every Courser variant on every scenario at every connection count, profiled. */
async function runProfiles(
  opts: Options,
  ctx: Omit<StartContext, 'port'>,
  scenarios: readonly Scenario[],
  scripts: Map<string, string>,
): Promise<number> {
  log(`profiles in ${relative(rootDir, ctx.logDir)}`)
  const failures: string[] = []
  for (const jit of opts.courserJit) {
    for (const scenario of scenarios) {
      for (const connections of opts.connections) {
        if (stopping) return 130
        const name = `${scenario.id}-c${connections}${jit ? '' : '-nojit'}`
        log(`profiling ${name}`)
        const result = await profileScenario({
          scenario,
          spec: (target) => courserServer(opts.workers, opts.courserLogLevel, jit, target),
          ctx: async () => ({ ...ctx, port: await freePort() }),
          script: scripts.get(scenario.id)!,
          connections,
          threads: opts.threads,
          durationS: opts.durationS,
          warmupS: opts.startupWarmupS + opts.warmupS,
          dir: join(ctx.logDir, `profile-${name}`),
        })
        process.stdout.write(`\n== ${name}\n\n${result.text}`)
        failures.push(...result.failures)
      }
    }
  }
  if (failures.length > 0) {
    log(`${failures.length} failure(s):\n  ${failures.join('\n  ')}`)
    return 1
  }
  return 0
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2))
  if (parsed === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  const opts = parsed
  const started = new Date()
  const { date, time } = stamp(started)

  if (opts.install) {
    const vendored = existsSync(join(appDir, 'vendor/autoload.php'))
    ensurePackages([
      ...PACKAGES.filter((p) => !(vendored && p === 'php-laravel-lumen-framework')),
      ...(opts.profile ? PROFILE_PACKAGES : []),
    ])
  }
  if (opts.build) await ensureBuilt(rootDir)

  const kind = `${opts.smoke ? '-smoke' : ''}${opts.profile ? '-profile' : ''}`
  const logDir = join(resultsDir, 'raw', `${date}-${time}${kind}`)
  mkdirSync(logDir, { recursive: true })
  tmpDir = mkdtempSync(join(tmpdir(), 'courser-bench-'))
  chmodSync(tmpDir, 0o755) // nginx workers reach the php-fpm socket in it
  const ctx = { tmpDir, logDir, appDir, rootDir }

  const scenarios = SCENARIOS.filter((s) => opts.scenarios.includes(s.id))
  const scripts = new Map(scenarios.map((s) => [s.id, writeWrkScript(tmpDir!, s)]))
  if (opts.profile) return runProfiles(opts, ctx, scenarios, scripts)
  const specs = serverSpecs(opts)
  const cells: Cell[] = []
  const failures: string[] = []
  log(`raw output in ${relative(rootDir, logDir)}`)

  for (let round = 1; round <= opts.rounds; round++) {
    // Rotate the order each round, so no server always runs at the same point of the run.
    const k = (round - 1) % specs.length
    const order = [...specs.slice(k), ...specs.slice(0, k)]
    for (const spec of order) {
      if (stopping) return 130
      await runServer(spec, ctx, opts, scenarios, scripts, cells, failures, round)
    }
  }

  let ceiling
  if (opts.dispatchS > 0 && !stopping) {
    log(`dispatch ceiling: php bench-dispatch.php ${opts.dispatchS}`)
    try {
      ceiling = await runDispatchCeiling(appDir, opts.dispatchS)
      writeFileSync(join(logDir, 'bench-dispatch.txt'), ceiling.output)
    } catch (err) {
      failures.push((err as Error).message)
    }
  }

  const report: Report = {
    date,
    machine: machineInfo(rootDir),
    options: {
      smoke: opts.smoke,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      startupWarmupS: opts.startupWarmupS,
      rounds: opts.rounds,
      connections: opts.connections,
      workers: opts.workers,
      courserLogLevel: opts.courserLogLevel,
      fpmChildren: opts.fpmChildren,
      fpmKeepConn: opts.fpmKeepConn,
      fpmJit: opts.fpmJit,
      courserJit: opts.courserJit,
      wrkThreads: opts.threads,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
    },
    servers: specs,
    scenarios,
    cells,
    ceiling,
    failures,
  }
  const table = fullTable(report)
  process.stdout.write(`\n${table}\n`)
  writeFileSync(join(logDir, 'table.txt'), table + '\n')
  if (ceiling) process.stdout.write(`\n${ceiling.output}`)

  // Smoke runs only leave raw output; full runs write the committed results.
  const outDir = resolve(opts.out ?? (opts.smoke ? logDir : resultsDir))
  mkdirSync(outDir, { recursive: true })
  const files = writeJson(report, outDir)
  const svg = join(outDir, `${date}.svg`)
  writeFileSync(svg, renderChart(report))
  files.push(svg)
  log(`wrote ${files.map((f) => relative(rootDir, f)).join(', ')}`)

  if (failures.length > 0) {
    log(`${failures.length} failure(s):\n  ${failures.join('\n  ')}`)
    return 1
  }
  return 0
}

process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

let code = 1
try {
  code = await main()
} catch (err) {
  if (!stopping) log((err as Error).stack ?? String(err)) // else: a consequence of the signal
} finally {
  if (!stopping) await cleanup()
}
process.exitCode = code
