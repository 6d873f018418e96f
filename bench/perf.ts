// `--profile`, the kernel's view: `perf record` on node and on the PHP workers during the measured
// run, read back as CPU time per request by syscall (and, on node's side, by the JS function that
// made it). V8's and Excimer's profilers see a syscall as one opaque call; perf sees what it costs,
// wake-ups of the process on the other end of the pipe or socket included.

import { runCommand } from './process.ts'

/**
 * perf samples CPU time (cpu-clock works in VMs without a PMU), machine-wide: one sample per this
 * many ns on each CPU. Following processes (-p) instead made each of their context switches, one
 * per request here, dearer: 1 kHz on node alone cost 22% of the req/s, machine-wide 11%.
 */
const PERIOD_NS = 1_000_000

/**
 * Records the whole machine (call graphs, CPU time) for `seconds` into `file`; resolves when perf
 * is done, with `error` saying why if it failed.
 */
export function recordPerf(file: string, seconds: number): Promise<{ error?: string }> {
  const args = ['record', '-q', '-a', '-e', 'cpu-clock', '-c', String(PERIOD_NS), '-g']
  args.push('-o', file, '--', 'sleep', String(seconds))
  return runCommand('perf', args, { timeoutMs: (seconds + 30) * 1000 }).then(
    (r) => (r.code === 0 ? {} : { error: `perf record: ${(r.stderr || r.stdout).trim()}` }),
    (err: Error) => ({ error: err.message }),
  )
}

export interface PerfRow {
  /** the syscall (write, writev, read, epoll_pwait), other kernel work, or 'user space' */
  what: string
  /** node: the JS function that made the syscall */
  caller?: string
  usPerReq: number
  pct: number
}

export interface PerfSummary {
  samples: number
  usPerReq: number
  kernelPct: number
  rows: PerfRow[]
}

const SYSCALL_ENTRY = new Set(['do_syscall_64', 'x64_sys_call'])

/** `ksys_write` → write, `do_writev` → writev, `__x64_sys_epoll_pwait` → epoll_pwait */
function syscallName(fn: string): string {
  return fn
    .replace(/^(__x64_sys_|__do_sys_|ksys_|do_)/, '')
    .replace(/\.(part|isra|constprop)\.\d+$/, '')
}

/** `JS:*send file:///…/dist/transport/pipe-relay.js:19:9` → `send (dist/transport/pipe-relay.js)` */
function jsName(sym: string): string {
  const m = /^JS:[*~^]?(\S*) (\S+?)(?::\d+)*$/.exec(sym)
  if (!m) return sym
  const file = /\/(dist|node_modules)\/(.*)$/.exec(m[2]!)
  return `${m[1] || '(anonymous)'} (${file ? `${file[1]}/${file[2]}` : m[2]})`
}

/** A set of processes read back together: node (with its JS callers), or the PHP workers. */
export interface PerfGroup {
  pids: number[]
  /** name the JS function behind each syscall (node ran with --perf-basic-prof) */
  jsCallers: boolean
}

type Frame = { kernel: boolean; sym: string }

/**
 * Reads `file` back once (`perf script`) for every group: its CPU time per request (`requests`
 * served while perf recorded) by syscall. A group with no samples or no process gets an error.
 */
export async function summarizePerf(
  file: string,
  groups: PerfGroup[],
  requests: number,
  n = 12,
): Promise<(PerfSummary | { error: string })[]> {
  const owner = new Map<number, number>()
  groups.forEach((g, i) => g.pids.forEach((pid) => owner.set(pid, i)))
  if (owner.size === 0) return groups.map(() => ({ error: 'no process to read' }))
  const args = ['script', '-i', file, '--pid', [...owner.keys()].join(','), '-F', 'pid,ip,sym']
  const r = await runCommand('perf', args, { timeoutMs: 120_000 })
  if (r.code !== 0) return groups.map(() => ({ error: `perf script: ${r.stderr.trim()}` }))
  const tallies = groups.map((g) => new Tally(g.jsCallers))
  // Samples are blank-line separated: a line with the pid, then `<hex ip> <symbol>`, leaf first.
  for (const block of r.stdout.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    const group = owner.get(Number(lines[0]?.trim()))
    if (group === undefined) continue
    const frames = lines.slice(1).map((line): Frame => {
      const l = line.trim()
      const at = l.indexOf(' ')
      const ip = at < 0 ? l : l.slice(0, at)
      return {
        kernel: ip.length >= 16 && ip.startsWith('ffff'),
        sym: at < 0 ? '?' : l.slice(at + 1),
      }
    })
    if (frames.length > 0) tallies[group]!.add(frames)
  }
  return tallies.map((t) => t.summary(requests, n))
}

/** One group's samples, by what they were doing. */
class Tally {
  #counts = new Map<string, { what: string; caller?: string; n: number }>()
  #samples = 0
  #kernel = 0
  readonly #jsCallers: boolean

  constructor(jsCallers: boolean) {
    this.#jsCallers = jsCallers
  }

  add(frames: Frame[]): void {
    this.#samples++
    if (!frames[0]!.kernel) return this.#count('user space')
    this.#kernel++
    const entry = frames.findIndex((f) => SYSCALL_ENTRY.has(f.sym))
    if (entry < 0) {
      // Interrupts, page faults, the scheduler outside a syscall: the outermost kernel frame.
      let outer = 0
      while (outer + 1 < frames.length && frames[outer + 1]!.kernel) outer++
      return this.#count(`kernel: ${frames[outer]!.sym}`)
    }
    let at = entry - 1
    while (at > 0 && SYSCALL_ENTRY.has(frames[at]!.sym)) at--
    const fn = at >= 0 ? frames[at]!.sym : '?'
    // On the way back from a syscall: the process was preempted there, or took a signal.
    const call = /exit_to_user_mode|syscall_exit/.test(fn)
      ? 'return (preempted, or a signal)'
      : syscallName(fn)
    // The Courser function behind it (or else node's): what made this write or read.
    const above = this.#jsCallers ? frames.slice(entry).filter((f) => f.sym.startsWith('JS:')) : []
    const js = above.find((f) => f.sym.includes('/dist/')) ?? above[0]
    this.#count(`syscall ${call}`, js ? jsName(js.sym) : undefined)
  }

  summary(requests: number, n: number): PerfSummary | { error: string } {
    if (this.#samples === 0) return { error: 'no samples of these processes' }
    const usPerSample = PERIOD_NS / 1000 / requests
    const rows = [...this.#counts.values()]
      .sort((a, b) => b.n - a.n)
      .slice(0, n)
      .map((c) => ({
        what: c.what,
        caller: c.caller,
        usPerReq: c.n * usPerSample,
        pct: (100 * c.n) / this.#samples,
      }))
    return {
      samples: this.#samples,
      usPerReq: this.#samples * usPerSample,
      kernelPct: (100 * this.#kernel) / this.#samples,
      rows,
    }
  }

  #count(what: string, caller?: string): void {
    const key = `${what}\0${caller ?? ''}`
    const row = this.#counts.get(key) ?? { what, caller, n: 0 }
    row.n++
    this.#counts.set(key, row)
  }
}

export function formatPerf(title: string, s: PerfSummary | { error: string }): string {
  if ('error' in s) return `${title}: ${s.error}`
  const rows = s.rows.map(
    (r) =>
      `  ${r.usPerReq.toFixed(2).padStart(7)} µs  ${r.pct.toFixed(1).padStart(5)}%  ${r.what}` +
      (r.caller ? ` ← ${r.caller}` : ''),
  )
  return [
    `${title}: ${s.usPerReq.toFixed(1)} µs of CPU per request, ${s.kernelPct.toFixed(0)}% of it in the kernel`,
    ...rows,
  ].join('\n')
}
