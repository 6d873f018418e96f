// Per-process figures from /proc (Linux): resident memory and CPU time. Elsewhere they read as 0.

import { readFile } from 'node:fs/promises'

export interface ProcStats {
  /** Resident set size in bytes (VmRSS). */
  rssBytes: number
  /** user + system CPU time in seconds. */
  cpuSeconds: number
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every mainstream Linux). */
const CLOCK_TICKS = 100

export async function procStats(pid: number): Promise<ProcStats> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
  ])
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11] ?? 0)
  const stime = Number(fields[12] ?? 0)
  return {
    rssBytes: rss ? Number(rss[1]) * 1024 : 0,
    cpuSeconds: (utime + stime) / CLOCK_TICKS || 0,
  }
}
