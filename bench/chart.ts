// An SVG chart of the results: per scenario, req/s (top row) and p99 latency (bottom row), bars
// grouped by connection count, one bar per server. Hand-written SVG, no dependencies.

import { median, summarize, type Report } from './report.ts'

const COLORS: Record<string, string> = {
  courser: '#1f77b4',
  'courser-nojit': '#aec7e8',
  'courser-hello': '#17becf',
  'node-http': '#2ca02c',
}
const FPM_COLORS = ['#ff7f0e', '#d62728', '#9467bd', '#8c564b']

const PANEL_W = 290
const PANEL_H = 230
const GAP = 20
const TOP = 70
const LEFT = 60

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function niceStep(max: number, ticks = 4): number {
  if (max <= 0) return 1
  const raw = max / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

function short(n: number): string {
  if (n === 0) return '0'
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`
  if (n >= 1e4) return `${+(n / 1e3).toFixed(0)}k`
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`
  if (n >= 100) return n.toFixed(0)
  if (n >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

interface Metric {
  name: string
  unit: string
  value: (runs: Report['cells'][number]['runs']) => number
}

const METRICS: Metric[] = [
  {
    name: 'req/s',
    unit: 'req/s (higher is better)',
    value: (r) => median(r.map((m) => m.wrk.rps)),
  },
  {
    name: 'p99',
    unit: 'p99 ms (lower is better)',
    value: (r) => median(r.map((m) => m.wrk.p99Ms)),
  },
]

export function renderChart(report: Report): string {
  const scenarios = report.scenarios.filter((s) =>
    report.cells.some((c) => c.scenario === s.id && c.runs.length > 0),
  )
  const servers = report.servers.filter((x) => report.cells.some((c) => c.server === x.id))
  let fpmIndex = 0
  const color = new Map(
    servers.map((x) => [
      x.id,
      COLORS[x.id] ?? FPM_COLORS[fpmIndex++ % FPM_COLORS.length] ?? '#7f7f7f',
    ]),
  )
  const conns = [...new Set(report.cells.map((c) => c.connections))].sort((a, b) => a - b)
  const width = Math.max(1000, LEFT + scenarios.length * (PANEL_W + GAP) + GAP)
  const height = TOP + METRICS.length * (PANEL_H + 60) + 20
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${esc(
      `Courser vs nginx + php-fpm, Lumen example (${report.date}, ${String(report.machine.cpus)} cores, median of ${String(report.options.rounds)})`,
    )}</text>`,
  ]
  // legend
  let lx = LEFT
  for (const x of servers) {
    out.push(
      `<rect x="${lx}" y="36" width="12" height="12" fill="${color.get(x.id)}"/>`,
      `<text x="${lx + 16}" y="46">${esc(x.label)}</text>`,
    )
    lx += 24 + x.label.length * 7
  }

  METRICS.forEach((metric, mi) => {
    const y0 = TOP + mi * (PANEL_H + 60)
    scenarios.forEach((s, si) => {
      const x0 = LEFT + si * (PANEL_W + GAP)
      const cells = report.cells.filter((c) => c.scenario === s.id && c.runs.length > 0)
      // The bare node:http ceiling would flatten the PHP servers' bars: it does not set the scale,
      // and its bars are cut at the top (their value is written on them).
      const scaled = cells.filter((c) => c.server !== 'node-http')
      const max = Math.max(0, ...(scaled.length ? scaled : cells).map((c) => metric.value(c.runs)))
      const step = niceStep(max * 1.15) // headroom for the value labels
      const top = Math.max(step, Math.ceil((max * 1.15) / step) * step)
      const plotTop = y0 + 34
      const plotH = PANEL_H - 34
      const yOf = (v: number): number => plotTop + plotH - (v / top) * plotH
      out.push(
        `<text x="${x0}" y="${y0 + 12}" font-weight="bold">${esc(s.title)}</text>`,
        `<text x="${x0}" y="${y0 + 24}" fill="#555" font-size="10">${esc(metric.unit)}</text>`,
      )
      for (let v = 0; v <= top + 1e-9; v += step) {
        const y = yOf(v)
        out.push(
          `<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`,
          `<text x="${x0 - 4}" y="${y + 4}" text-anchor="end" fill="#555">${short(v)}</text>`,
        )
      }
      const groupW = PANEL_W / conns.length
      const barW = Math.max(4, Math.min(22, (groupW - 16) / Math.max(1, servers.length)))
      conns.forEach((c, ci) => {
        const gx = x0 + ci * groupW
        const present = servers.filter((x) =>
          cells.some((cell) => cell.server === x.id && cell.connections === c),
        )
        const startX = gx + (groupW - present.length * barW) / 2
        present.forEach((x, bi) => {
          const cell = cells.find((cc) => cc.server === x.id && cc.connections === c)!
          const v = metric.value(cell.runs)
          const mark = summarize(cell.runs).stalled ? '!' : ''
          const bx = startX + bi * barW
          const cut = v > top
          const by = yOf(Math.min(v, top))
          out.push(
            `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(plotTop + plotH - by).toFixed(1)}" fill="${color.get(x.id)}"><title>${esc(`${x.label}, ${c} conns: ${short(v)} ${metric.name}`)}</title></rect>`,
            cut
              ? `<text transform="translate(${(bx + barW / 2 + 2).toFixed(1)},${(by + 18).toFixed(1)}) rotate(-90)" text-anchor="end" font-size="9" fill="#fff">${mark}${short(v)}</text>` +
                  `<path d="M${bx.toFixed(1)},${(by + 9).toFixed(1)} l${(barW - 2).toFixed(1)},-4 m0,4 l${(-(barW - 2)).toFixed(1)},4" stroke="#fff" stroke-width="2"/>`
              : `<text transform="translate(${(bx + barW / 2 + 3).toFixed(1)},${(by - 3).toFixed(1)}) rotate(-90)" font-size="9" fill="#333">${mark}${short(v)}</text>`,
          )
        })
        out.push(
          `<text x="${(gx + groupW / 2).toFixed(1)}" y="${plotTop + plotH + 14}" text-anchor="middle">${c} conn${c === 1 ? '' : 's'}</text>`,
        )
      })
      out.push(
        `<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${plotTop + plotH}" y2="${plotTop + plotH}" stroke="#333"/>`,
      )
    })
  })
  out.push(
    `<text x="${LEFT}" y="${height - 8}" fill="#555">${esc(
      '! stalled: most connections got no answer during the run (req/s × mean latency ≪ connections), so its latency is not comparable',
    )}</text>`,
    '</svg>',
    '',
  )
  return out.join('\n')
}
