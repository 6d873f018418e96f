// Renders informer.Workers output as the table `rr workers` prints.

import type { ProcessState } from '../plugins/informer/workers.ts'

const COLUMNS = ['PID', 'STATUS', 'EXECS', 'MEMORY', 'CPU%', 'CREATED', 'REQUEST'] as const

export function renderWorkers(
  plugin: string,
  workers: readonly ProcessState[],
  now = Date.now(),
): string {
  const rows = workers.map((w) => [
    String(w.pid),
    w.statusStr,
    w.numExecs.toLocaleString('en-US'),
    formatBytes(w.memoryUsage),
    w.CPUPercent.toFixed(2),
    formatAge(now - w.created / 1_000_000),
    w.currentRequest === undefined ? '' : `${w.currentRequest} (${w.currentRequestMs ?? 0} ms)`,
  ])
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)))
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`
  const row = (cells: readonly string[]): string =>
    `|${cells.map((c, i) => ` ${i === 1 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)} `).join('|')}|`
  return [`Workers of [${plugin}]:`, line, row(COLUMNS), line, ...rows.map(row), line, ''].join(
    '\n',
  )
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`
  if (n >= 1024 * 1024) return `${Math.round(n / 1024 / 1024)} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} kB`
  return `${n} B`
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const unit = (n: number, name: string): string => `${n} ${name}${n === 1 ? '' : 's'} ago`
  if (s < 60) return unit(s, 'second')
  if (s < 3600) return unit(Math.floor(s / 60), 'minute')
  if (s < 86400) return unit(Math.floor(s / 3600), 'hour')
  return unit(Math.floor(s / 86400), 'day')
}
