// Results: medians over the rounds, the terminal table with the Courser / php-fpm ratios, and the
// JSON files (one per scenario).

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Ceiling } from './ceiling.ts'
import { round, type Measurement } from './measure.ts'
import type { Scenario } from './scenarios.ts'
import type { ServerSpec } from './servers/types.ts'

/** All the runs of one server on one scenario at one connection count. */
export interface Cell {
  server: string
  scenario: Scenario['id']
  connections: number
  runs: Measurement[]
}

/** The medians of these per-run figures over the rounds, under the same names. */
type MedianFields =
  'rssMiB' | 'pssMiB' | 'cpuUsPerReq' | 'cpuPct' | 'maxProcCpuPct' | 'wrkCpuPct' | 'machineBusyPct'

export interface Summary extends Pick<Measurement, MedianFields> {
  rounds: number
  rps: number
  p50Ms: number
  p99Ms: number
  /** over all rounds: non-2xx responses + socket errors */
  errors: number
  non2xx: number
  socketErrors: number
  /**
   * Connections actually being served (Little's law: req/s × mean latency). Far below the
   * connection count, some connections got no answer during the run (wrk's latency and error
   * counts only see answered requests).
   */
  liveConns: number
  stalled: boolean
}

export interface Ratio {
  connections: number
  /** the Courser variant (courser, courser-nojit) */
  server: string
  versus: string
  rps: number
  p99: number
  /** the php-fpm side left connections unanswered: its p99 means little */
  versusStalled: boolean
}

export interface Report {
  date: string
  machine: Record<string, unknown>
  options: Record<string, unknown>
  servers: readonly ServerSpec[]
  scenarios: readonly Scenario[]
  cells: Cell[]
  ceiling?: Ceiling
  failures: string[]
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function medianRecord(records: readonly Record<string, number>[]): Record<string, number> {
  const keys = new Set(records.flatMap((r) => Object.keys(r)))
  return Object.fromEntries(
    [...keys].map((k) => [k, round(median(records.map((r) => r[k] ?? 0)), 1)]),
  )
}

export function summarize(runs: readonly Measurement[]): Summary {
  const sum = (f: (m: Measurement) => number): number => runs.reduce((a, m) => a + f(m), 0)
  const med = (f: (m: Measurement) => number, digits = 2): number =>
    round(median(runs.map(f)), digits)
  const non2xx = sum((m) => m.wrk.non2xx)
  const socketErrors = sum((m) => m.wrk.socketErrors)
  const liveConns = med((m) => (m.wrk.rps * m.wrk.meanMs) / 1000, 1)
  const connections = runs[0]?.connections ?? 0
  return {
    rounds: runs.length,
    rps: med((m) => m.wrk.rps, 0),
    p50Ms: med((m) => m.wrk.p50Ms),
    p99Ms: med((m) => m.wrk.p99Ms),
    errors: non2xx + socketErrors,
    non2xx,
    socketErrors,
    rssMiB: med((m) => m.rssMiB, 1),
    pssMiB: med((m) => m.pssMiB, 1),
    cpuUsPerReq: medianRecord(runs.map((m) => m.cpuUsPerReq)),
    cpuPct: medianRecord(runs.map((m) => m.cpuPct)),
    maxProcCpuPct: medianRecord(runs.map((m) => m.maxProcCpuPct)),
    wrkCpuPct: med((m) => m.wrkCpuPct, 1),
    machineBusyPct: med((m) => m.machineBusyPct, 1),
    liveConns,
    stalled: connections > 1 && liveConns < connections / 2,
  }
}

function cellsOf(report: Report, scenario: Scenario['id']): Cell[] {
  return report.cells.filter((c) => c.scenario === scenario && c.runs.length > 0)
}

/** Each Courser variant against each nginx + php-fpm variant, per connection count. */
export function ratios(report: Report, scenario: Scenario['id']): Ratio[] {
  const cells = cellsOf(report, scenario)
  const out: Ratio[] = []
  const contender = (id: string): boolean =>
    id.startsWith('courser') && !report.servers.find((x) => x.id === id)?.ceiling
  for (const c of cells.filter((x) => contender(x.server))) {
    const mine = summarize(c.runs)
    for (const f of cells.filter((x) => x.server.startsWith('fpm-'))) {
      if (f.connections !== c.connections) continue
      const theirs = summarize(f.runs)
      out.push({
        connections: c.connections,
        server: c.server,
        versus: f.server,
        rps: theirs.rps > 0 ? round(mine.rps / theirs.rps, 2) : 0,
        p99: theirs.p99Ms > 0 ? round(mine.p99Ms / theirs.p99Ms, 2) : 0,
        versusStalled: theirs.stalled,
      })
    }
  }
  return out
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

const COLUMNS: [string, number][] = [
  ['conns', 5],
  ['server', 24],
  ['req/s', 9],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['errors', 7],
  ['RSS MiB', 8],
  ['PSS MiB', 8],
  ['CPU µs/req', 11],
  ['node µs/req', 12],
  ['node CPU%', 10],
  ['PHP CPU%', 9],
  ['busy%', 6],
]

function row(values: string[]): string {
  return values
    .map((v, i) => {
      const [, w] = COLUMNS[i]!
      return i === 1 ? v.padEnd(w) : v.padStart(w)
    })
    .join(' ')
}

/** The table for one scenario: one row per server and connection count, then the ratios. */
export function scenarioTable(report: Report, s: Scenario): string {
  const label = (id: string): string => report.servers.find((x) => x.id === id)?.label ?? id
  const lines = [s.title, row(COLUMNS.map(([h]) => h))]
  const cells = cellsOf(report, s.id).sort(
    (a, b) =>
      a.connections - b.connections ||
      report.servers.findIndex((x) => x.id === a.server) -
        report.servers.findIndex((x) => x.id === b.server),
  )
  for (const c of cells) {
    const m = summarize(c.runs)
    const php = (m.cpuPct.php ?? 0) + (m.cpuPct['php-fpm'] ?? 0)
    lines.push(
      row([
        String(c.connections),
        label(c.server),
        (m.stalled ? '!' : '') + fmt(m.rps),
        fmt(m.p50Ms, 2),
        fmt(m.p99Ms, 2),
        fmt(m.errors),
        fmt(m.rssMiB, 1),
        fmt(m.pssMiB, 1),
        fmt(m.cpuUsPerReq.total ?? 0, 1),
        m.cpuUsPerReq.node === undefined ? '-' : fmt(m.cpuUsPerReq.node, 1),
        m.maxProcCpuPct.node === undefined ? '-' : fmt(m.maxProcCpuPct.node),
        php > 0 ? fmt(php) : '-',
        fmt(m.machineBusyPct),
      ]),
    )
  }
  const stalled = cells.filter((c) => summarize(c.runs).stalled)
  for (const c of stalled) {
    const m = summarize(c.runs)
    lines.push(
      `! ${label(c.server)}, ${c.connections} conns: only ~${fmt(m.liveConns, 1)} connections` +
        ' answered (req/s × mean latency); the others waited the whole run: p50/p99 are not' +
        ' comparable',
    )
  }
  const all = ratios(report, s.id)
  for (const server of new Set(all.map((x) => x.server))) {
    const r = all.filter((x) => x.server === server)
    lines.push(`${label(server)} / nginx+fpm:`)
    for (const conns of [...new Set(r.map((x) => x.connections))]) {
      const parts = r
        .filter((x) => x.connections === conns)
        .map(
          (x) =>
            `vs ${label(x.versus)}: req/s ×${fmt(x.rps, 2)}, p99 ×${fmt(x.p99, 2)}` +
            (x.versusStalled ? ' (!)' : ''),
        )
      lines.push(`  ${String(conns).padStart(3)} conns  ${parts.join('   ')}`)
    }
  }
  const ceil = ceilingLine(report, s)
  if (ceil) lines.push(ceil)
  return lines.join('\n')
}

const DISPATCH_PATH: Partial<Record<Scenario['id'], string>> = { root: '/', hello: '/hello/bob' }

function ceilingLine(report: Report, s: Scenario): string | undefined {
  const path = DISPATCH_PATH[s.id]
  const c = path && report.ceiling?.worker[path]
  if (!path || !c) return undefined
  const stock = report.ceiling?.stock[path]
  const workers = Number(report.options.workers ?? 1)
  return (
    `ceiling: ${fmt(c.rps)} dispatches/s in one PHP process (${fmt(c.usPerDispatch, 1)} µs;` +
    ` ×${workers} workers = ${fmt(c.rps * workers)}/s)` +
    (stock ? `; stock Lumen ${fmt(stock.rps)}/s` : '')
  )
}

export function fullTable(report: Report): string {
  const parts = report.scenarios
    .filter((s) => cellsOf(report, s.id).length > 0)
    .map((s) => scenarioTable(report, s))
  const head = [
    `Courser benchmark ${report.date}: ${String(report.machine.cpus)} cores (${String(report.machine.cpuModel)}),` +
      ` ${String(report.options.durationS)} s per run, median of ${String(report.options.rounds)} round(s)`,
    'CPU µs/req: all server processes; node CPU%: the node process (100 = one core);' +
      ' PHP CPU%: all PHP processes together; busy%: the whole machine (wrk and others included)',
  ]
  const tail =
    report.failures.length > 0 ? ['FAILURES:', ...report.failures.map((f) => `  ${f}`)] : []
  return [...head, '', parts.join('\n\n'), ...(tail.length ? ['', ...tail] : [])].join('\n')
}

/** bench/results/<date>-<scenario>.json for every scenario that has results; returns the paths. */
export function writeJson(report: Report, dir: string): string[] {
  const files: string[] = []
  for (const s of report.scenarios) {
    const cells = cellsOf(report, s.id)
    if (cells.length === 0) continue
    const path = DISPATCH_PATH[s.id]
    const doc = {
      date: report.date,
      scenario: {
        id: s.id,
        title: s.title,
        method: s.method,
        path: s.path,
        requestBodyBytes: s.body?.length ?? 0,
      },
      machine: report.machine,
      options: report.options,
      servers: Object.fromEntries(
        report.servers.map((x) => [x.id, { label: x.label, settings: x.settings }]),
      ),
      results: cells.map((c) => ({
        server: c.server,
        connections: c.connections,
        median: summarize(c.runs),
        runs: c.runs.map(({ top: _top, ...m }) => m),
      })),
      ratios: ratios(report, s.id),
      ceiling:
        path && report.ceiling
          ? {
              php: report.ceiling.banner,
              dispatchPerProcess: report.ceiling.worker[path],
              stockLumenPerProcess: report.ceiling.stock[path],
            }
          : undefined,
      failures: report.failures,
    }
    const file = join(dir, `${report.date}-${s.id}.json`)
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
    files.push(file)
  }
  return files
}
