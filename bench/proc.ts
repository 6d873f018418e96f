// Reads Linux /proc: process trees, CPU time (utime + stime) and memory (VmRSS, Pss) per process.

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ, 100 on common kernels). */
export const CLK_TCK = clockTicks()

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return n > 0 ? n : 100
  } catch {
    return 100
  }
}

export interface ProcStat {
  pid: number
  ppid: number
  comm: string
  /** utime + stime, in clock ticks */
  cpuTicks: number
  /** start time after boot, in clock ticks: with the pid, identifies a process (pids are reused) */
  startTicks: number
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process is gone
  }
}

/** `/proc/<pid>/stat`; undefined when the process has exited. */
export function procStat(pid: number): ProcStat | undefined {
  const text = read(`/proc/${pid}/stat`)
  if (text === undefined) return undefined
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(')')
  const comm = text.slice(text.indexOf('(') + 1, close)
  const f = text.slice(close + 2).split(' ')
  // f[0] is field 3 (state): field n is f[n - 3].
  return {
    pid,
    ppid: Number(f[1]),
    comm,
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTicks: Number(f[19]),
  }
}

/** Every process on the machine. */
export function allProcs(): ProcStat[] {
  const out: ProcStat[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const st = procStat(Number(name))
    if (st) out.push(st)
  }
  return out
}

/** `root` and all its descendants that are alive, root first. */
export function processTree(root: number, procs: ProcStat[] = allProcs()): ProcStat[] {
  const children = new Map<number, ProcStat[]>()
  let rootStat: ProcStat | undefined
  for (const p of procs) {
    if (p.pid === root) rootStat = p
    const list = children.get(p.ppid)
    if (list) list.push(p)
    else children.set(p.ppid, [p])
  }
  if (!rootStat) return []
  const out: ProcStat[] = [rootStat]
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!.pid) ?? []))
  return out
}

function statusField(pid: number, file: string, field: string): number | undefined {
  const text = read(`/proc/${pid}/${file}`)
  const m = text?.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))
  return m ? Number(m[1]) : undefined
}

/** Resident set size in KiB (VmRSS: shared pages, e.g. opcache's, count in every process). */
export function rssKiB(pid: number): number {
  return statusField(pid, 'status', 'VmRSS') ?? 0
}

/** Proportional set size in KiB (shared pages split between their users); 0 if unreadable. */
export function pssKiB(pid: number): number {
  return statusField(pid, 'smaps_rollup', 'Pss') ?? 0
}

/** Whether the process identified by pid + start time is still alive (and not a zombie). */
export function isAlive(pid: number, startTicks: number): boolean {
  const st = procStat(pid)
  if (!st || st.startTicks !== startTicks) return false
  const state = read(`/proc/${pid}/stat`)?.split(') ')[1]?.[0]
  return state !== 'Z' && state !== 'X'
}

/** Load averages (1, 5, 15 min). */
export function loadAvg(): number[] {
  return (read('/proc/loadavg') ?? '0 0 0').split(' ').slice(0, 3).map(Number)
}

/** Total CPU ticks of the whole machine (all cores, all states) and of the idle states. */
export function machineTicks(): { total: number; idle: number } {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.reduce((a, b) => a + b, 0)
  return { total, idle: (v[3] ?? 0) + (v[4] ?? 0) }
}
