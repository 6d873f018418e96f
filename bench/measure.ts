// One measured load run: wrk against a running server while /proc is sampled for the CPU time
// and memory of every server process (and of wrk, and of the whole machine).

import { CLK_TCK, loadAvg, machineTicks, procStat, pssKiB, rssKiB } from './proc.ts'
import { runCommand } from './process.ts'
import type { RunningServer } from './servers/types.ts'
import { runWrk, type WrkResult } from './wrk.ts'

export interface ProcessUsage {
  role: string
  pid: number
  comm: string
  /** share of one core during the run, in % */
  cpuPct: number
}

export interface Measurement {
  connections: number
  wrk: WrkResult
  wallS: number
  /** peak over the run of the summed VmRSS of all server processes, in MiB */
  rssMiB: number
  /** the same for Pss (shared pages, such as opcache's, counted once), in MiB */
  pssMiB: number
  /** CPU time per request of each role ('node', 'php', 'nginx', 'php-fpm') and 'total', in µs */
  cpuUsPerReq: Record<string, number>
  /** CPU use of each role during the run, summed over its processes, in % of one core */
  cpuPct: Record<string, number>
  /** the busiest process of each role, in % of one core */
  maxProcCpuPct: Record<string, number>
  perProcess: ProcessUsage[]
  /** wrk's own CPU use (sampled), in % of one core */
  wrkCpuPct: number
  /** the whole machine (all cores, everyone's processes) busy during the run, in % */
  machineBusyPct: number
  loadAvg: number[]
  /** `top -b` taken halfway through the run, when asked for */
  top?: string
}

export interface MeasureOptions {
  url: string
  script: string
  connections: number
  threads: number
  durationS: number
  /** capture `top -b` halfway through */
  top?: boolean
}

const SAMPLE_MS = 500

export async function measure(server: RunningServer, opts: MeasureOptions): Promise<Measurement> {
  const before = new Map(server.processes().map((p) => [p.proc.pid, p]))
  const m0 = machineTicks()
  const load = loadAvg()
  const t0 = process.hrtime.bigint()

  let wrkPid: number | undefined
  let wrkFirst: { ticks: number; at: number } | undefined
  let wrkLast: { ticks: number; at: number } | undefined
  let rssPeak = 0
  let pssPeak = 0
  const sample = (): void => {
    let rss = 0
    let pss = 0
    for (const { proc } of server.processes()) {
      rss += rssKiB(proc.pid)
      pss += pssKiB(proc.pid)
    }
    rssPeak = Math.max(rssPeak, rss)
    pssPeak = Math.max(pssPeak, pss)
    if (wrkPid !== undefined) {
      const ticks = procStat(wrkPid)?.cpuTicks
      if (ticks !== undefined) {
        wrkLast = { ticks, at: performance.now() }
        wrkFirst ??= wrkLast
      }
    }
  }
  sample()
  const timer = setInterval(sample, SAMPLE_MS)
  let top: Promise<string> | undefined
  let topTimer: NodeJS.Timeout | undefined
  if (opts.top) {
    top = new Promise((resolve) => {
      topTimer = setTimeout(
        () => {
          runCommand('top', ['-b', '-n', '2', '-d', '1', '-w', '200'], { timeoutMs: 10_000 }).then(
            (r) => resolve(lastTopFrame(r.stdout)),
            (err: Error) => resolve(`top failed: ${err.message}`),
          )
        },
        Math.max(0, (opts.durationS / 2 - 1) * 1000),
      )
    })
  }

  let wrk: WrkResult
  try {
    wrk = (
      await runWrk({
        url: opts.url,
        script: opts.script,
        connections: opts.connections,
        threads: opts.threads,
        durationS: opts.durationS,
        started: (child) => (wrkPid = child.pid),
      })
    ).result
  } finally {
    clearInterval(timer)
    if (!top) clearTimeout(topTimer)
  }

  const wallS = Number(process.hrtime.bigint() - t0) / 1e9
  const m1 = machineTicks()
  const perProcess: ProcessUsage[] = []
  const ticks: Record<string, number> = {}
  const maxProc: Record<string, number> = {}
  for (const { role, proc } of server.processes()) {
    const b = before.get(proc.pid)
    const start = b && b.proc.startTicks === proc.startTicks ? b.proc.cpuTicks : 0
    const d = proc.cpuTicks - start
    ticks[role] = (ticks[role] ?? 0) + d
    const pct = (d / CLK_TCK / wallS) * 100
    maxProc[role] = Math.max(maxProc[role] ?? 0, pct)
    perProcess.push({ role, pid: proc.pid, comm: proc.comm, cpuPct: round(pct, 1) })
  }
  const tickUs = 1e6 / CLK_TCK
  const total = Object.values(ticks).reduce((a, b) => a + b, 0)
  const cpuUsPerReq: Record<string, number> = {}
  const cpuPct: Record<string, number> = {}
  for (const [role, t] of [...Object.entries(ticks), ['total', total] as const]) {
    cpuUsPerReq[role] = wrk.requests > 0 ? round((t * tickUs) / wrk.requests, 1) : 0
    cpuPct[role] = round((t / CLK_TCK / wallS) * 100, 1)
  }
  const dm = m1.total - m0.total
  return {
    connections: opts.connections,
    wrk,
    wallS: round(wallS, 3),
    rssMiB: round(rssPeak / 1024, 1),
    pssMiB: round(pssPeak / 1024, 1),
    cpuUsPerReq,
    cpuPct,
    maxProcCpuPct: Object.fromEntries(Object.entries(maxProc).map(([k, v]) => [k, round(v, 1)])),
    perProcess,
    wrkCpuPct:
      wrkFirst && wrkLast && wrkLast.at > wrkFirst.at
        ? round(
            ((wrkLast.ticks - wrkFirst.ticks) / CLK_TCK / ((wrkLast.at - wrkFirst.at) / 1000)) *
              100,
            1,
          )
        : 0,
    machineBusyPct: dm > 0 ? round((1 - (m1.idle - m0.idle) / dm) * 100, 1) : 0,
    loadAvg: load,
    top: top ? await top : undefined,
  }
}

function lastTopFrame(out: string): string {
  const frames = out.split(/^(?=top - )/m)
  return (frames[frames.length - 1] ?? out).split('\n').slice(0, 30).join('\n')
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
