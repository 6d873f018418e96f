// What `npm run bench -- --profile` prints: the hot spots of a V8 CPU profile (Courser's node
// process, from --cpu-prof) and of Excimer's per-function counts (each PHP worker), as time per
// request, so the two sides and the syscalls between them read in the same unit.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The parts of a .cpuprofile (Chrome DevTools' format) read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[]
  /** µs of CLOCK_MONOTONIC */
  startTime: number
  samples: number[]
  /** µs from the previous sample (the first: from startTime) */
  timeDeltas: number[]
}

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

export interface HotSpot {
  /** function, and where it is (file:line, or the JS caller of a native function) */
  name: string
  /** share of the busy time (everything but idle), in % */
  pct: number
  /** time per request, in µs */
  usPerReq: number
}

export interface ProfileSummary {
  /** sampled busy time per request, in µs */
  busyUsPerReq: number
  /** busy time by kind: Courser's code, node's, npm packages', native calls (syscalls), GC */
  groups: HotSpot[]
  /** by self time */
  self: HotSpot[]
  /** Courser's own functions by inclusive time (the function and everything it calls) */
  inclusive: HotSpot[]
}

const IDLE = '(idle)'

/** `file:///…/dist/pool/pool.js` → `dist/pool/pool.js`; `node:internal/x` stays. */
function shortUrl(url: string): string {
  const m = /\/(dist|node_modules|bench)\/(.*)$/.exec(url)
  return m ? `${m[1]}/${m[2]}` : url
}

function isCourser(url: string): boolean {
  return /\/dist\//.test(url) && !url.includes('/node_modules/')
}

function groupOf(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'garbage collection'
  if (frame.functionName === '(program)') return 'V8 and libuv outside JS (program)'
  if (frame.url === '')
    return 'native functions called from JS (socket and pipe writes, syscall included)'
  if (frame.url.includes('/node_modules/')) return 'npm packages (node_modules)'
  if (isCourser(frame.url)) return "Courser's JS (dist/)"
  return "node's JS (node:http, streams, timers)"
}

function top(counts: Map<string, number>, busy: number, usPerSample: number, n: number): HotSpot[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => ({ name, pct: (100 * c) / busy, usPerReq: c * usPerSample }))
}

/** An interval of CLOCK_MONOTONIC in µs: the clock of V8's profiles and of PHP's hrtime(). */
export interface TimeWindow {
  fromUs: number
  toUs: number
}

/**
 * Summarizes a --cpu-prof file: the samples taken in `window` (all when absent), during which the
 * server answered `requests` requests.
 */
export function summarizeCpuProfile(
  file: string,
  requests: number,
  window?: TimeWindow,
  n = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)

  // Sampled time of each sample: its delta (µs) to the next one.
  const timeOf = new Map<number, number>()
  let busyUs = 0
  let busySamples = 0
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0
    if (window && (at < window.fromUs || at > window.toUs)) return
    const node = byId.get(id)
    if (!node || node.callFrame.functionName === IDLE) return
    const dt = profile.timeDeltas[i + 1] ?? 0
    busyUs += dt
    busySamples++
    timeOf.set(id, (timeOf.get(id) ?? 0) + 1)
  })
  const usPerSample = busySamples > 0 ? busyUs / busySamples / requests : 0

  const label = (id: number): string => {
    const f = byId.get(id)!.callFrame
    if (f.url === '' && f.functionName.startsWith('(')) return f.functionName // (program), (garbage collector)
    if (f.url !== '')
      return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`
    // A native function: name the JS code that called it (a write on the pipe or the socket).
    let up = parent.get(id)
    while (up !== undefined && byId.get(up)!.callFrame.url === '') up = parent.get(up)
    const caller = up === undefined ? undefined : byId.get(up)!.callFrame
    const by = caller ? `${caller.functionName} ${shortUrl(caller.url)}` : '?'
    return `${f.functionName ? `${f.functionName} ` : ''}(native) ← ${by}`
  }

  const self = new Map<string, number>()
  const groups = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, count] of timeOf) {
    const node = byId.get(id)!
    const key = label(id)
    self.set(key, (self.get(key) ?? 0) + count)
    const g = groupOf(node.callFrame)
    groups.set(g, (groups.get(g) ?? 0) + count)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame
      if (!isCourser(f.url)) continue
      const k = label(cur)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + count)
    }
  }
  return {
    busyUsPerReq: busySamples * usPerSample,
    groups: top(groups, busySamples, usPerSample, groups.size),
    self: top(self, busySamples, usPerSample, n),
    inclusive: top(inclusive, busySamples, usPerSample, n),
  }
}

/** Reads and merges the php-<pid>.collapsed files in `dir` (same stack: counts summed). */
export function readCollapsed(dir: string): { stacks: Map<string, number>; workers: number } {
  const stacks = new Map<string, number>()
  const files = readdirSync(dir).filter((x) => /^php-\d+\.collapsed$/.test(x))
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const at = line.lastIndexOf(' ')
      if (at <= 0) continue
      const stack = line.slice(0, at)
      stacks.set(stack, (stacks.get(stack) ?? 0) + Number(line.slice(at + 1)))
    }
  }
  return { stacks, workers: files.length }
}

export function formatCollapsed(stacks: Map<string, number>): string {
  return [...stacks].map(([s, c]) => `${s} ${c}\n`).join('')
}

/**
 * The worker waiting for (and reading) its next request. Excimer overstates it: its timer fires
 * through a helper thread (a clone per sample), which on a busy machine mostly gets a CPU when the
 * worker blocks here, so samples of other code land here too. perf has the true cost of that read.
 */
const WAIT_FRAME = 'Courser\\Relay\\StreamRelay::waitFrame'

export interface PhpSummary {
  samples: number
  /** share of the samples in the wait for the next request, in % */
  waitPct: number
  /** the rest, in % of the rest */
  self: HotSpot[]
  inclusive: HotSpot[]
}

/** Self and inclusive time per PHP function, outside the wait for the next request. */
export function summarizePhp(stacks: Map<string, number>, n = 15): PhpSummary {
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let samples = 0
  let waiting = 0
  for (const [stack, count] of stacks) {
    samples += count
    const frames = stack.split(';').filter((f) => f !== '')
    if (frames.includes(WAIT_FRAME)) {
      waiting += count
      continue
    }
    const leaf = frames[frames.length - 1] ?? '?'
    self.set(leaf, (self.get(leaf) ?? 0) + count)
    for (const f of new Set(frames)) inclusive.set(f, (inclusive.get(f) ?? 0) + count)
  }
  const rest = samples - waiting
  return {
    samples,
    waitPct: samples > 0 ? (100 * waiting) / samples : 0,
    self: top(self, rest, 0, n),
    inclusive: top(inclusive, rest, 0, n),
  }
}

export function formatPhpSummary(title: string, s: PhpSummary): string {
  const pct = (spots: HotSpot[]): string =>
    spots.map((x) => `  ${x.pct.toFixed(1).padStart(5)}%  ${x.name}`).join('\n')
  return [
    `${title}: ${s.samples} samples; ${s.waitPct.toFixed(0)}% in the wait for the next request ` +
      '(StreamRelay::waitFrame; overstated by Excimer, see perf below), the rest is:',
    ` by self time:\n${pct(s.self)}`,
    ` by inclusive time:\n${pct(s.inclusive)}`,
  ].join('\n')
}

function rows(spots: HotSpot[]): string {
  return spots
    .map(
      (s) =>
        `  ${s.usPerReq.toFixed(2).padStart(7)} µs  ${s.pct.toFixed(1).padStart(5)}%  ${s.name}`,
    )
    .join('\n')
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const parts = [`${title}: ${s.busyUsPerReq.toFixed(1)} µs of sampled CPU per request`]
  if (s.groups.length > 0) parts.push(` by kind:\n${rows(s.groups)}`)
  parts.push(` by self time:\n${rows(s.self)}`)
  parts.push(` by inclusive time:\n${rows(s.inclusive)}`)
  return parts.join('\n')
}
