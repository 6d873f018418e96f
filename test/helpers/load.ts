// The fault suite's harness: a real HttpPlugin in front of real PHP workers, a keep-alive load
// generator, pid tracking (orphans), memory sampling, and the one-line summary per scenario.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { TestContext } from 'node:test'
import { pino } from 'pino'
import type { Pool } from '../../src/pool/index.ts'
import { HttpPlugin, type HttpOptions } from '../../src/plugins/http/plugin.ts'
import type { PoolSettings } from '../../src/plugins/server/plugin.ts'
import type { LogLine } from './log.ts'
import { serveWorkers, tempDir } from './pool.ts'
import { isAlive } from './process.ts'

export interface FaultServer {
  http: HttpPlugin
  pool: Pool
  base: string
  port: number
  /** Every log line except the per-request `http log` lines, which are only counted. */
  lines: LogLine[]
  httpLogLines(): number
  /** Every worker pid seen so far (pool listings, log lines). */
  seenPids: Set<number>
  settings: PoolSettings
  /** Destroys the pool and closes the listener (also done in t.after). */
  stop(): Promise<void>
}

export const FAULT_SETTINGS: PoolSettings = {
  numWorkers: 4,
  maxJobs: 0,
  allocateTimeoutMs: 10_000,
  destroyTimeoutMs: 2000,
  streamTimeoutMs: 2000,
  maxQueueSize: 0,
  debug: false,
}

export async function startFaultServer(
  t: TestContext,
  opts: {
    script?: string
    command?: string[]
    pool?: Partial<PoolSettings>
    http?: Partial<Pick<HttpOptions, 'headersTimeoutMs' | 'requestTimeoutMs'>>
  } = {},
): Promise<FaultServer> {
  const lines: LogLine[] = []
  let httpLogs = 0
  // Like captureLogger, but thousands of `http log` lines are counted, not kept (memory figures).
  const log = pino(
    { level: 'info', base: undefined },
    {
      write(s: string) {
        if (s.includes('"msg":"http log"')) httpLogs++
        else lines.push(JSON.parse(s) as LogLine)
      },
    },
  )
  const server = await serveWorkers(log, opts)
  const settings = { ...FAULT_SETTINGS, ...opts.pool }
  const http = new HttpPlugin(
    {
      address: '127.0.0.1:0',
      internalErrorCode: 500,
      accessLogs: false,
      body: {
        maxBytes: 8 * 1024 * 1024,
        rawBody: false,
        uploadsDir: tempDir(t, 'courser-fault-uploads-'),
        forbid: ['.php'],
        allow: [],
      },
      pool: settings,
      ...opts.http,
    },
    server,
    log,
  )
  const seenPids = new Set<number>()
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    clearInterval(poll)
    track()
    await http.stop()
    await server.stop()
  }
  t.after(stop)
  await http.serve()
  const pool = http.pool!
  const track = (): void => {
    for (const w of pool.list()) seenPids.add(w.pid)
    for (const l of lines) if (typeof l['pid'] === 'number') seenPids.add(l['pid'])
  }
  const poll = setInterval(track, 10)
  track()
  return {
    http,
    pool,
    base: `http://127.0.0.1:${http.port}`,
    port: http.port,
    lines,
    httpLogLines: () => httpLogs,
    seenPids,
    settings,
    stop,
  }
}

export interface Outcome {
  kind: string
  /** HTTP status, or 0 when there was none. */
  status: number
  /** `timeout` when the client deadline passed (a hang), `network` for a broken connection. */
  error?: 'timeout' | 'network' | 'aborted'
  ms: number
  noWorkers: boolean
  body: string
}

export interface LoadStats {
  sent: number
  answered: number
  outcomes: Outcome[]
  durationMs: number
}

export interface RequestPlan {
  kind: string
  path: string
  init?: RequestInit
  /** Reads the response and reports it; the default reads the whole body as text. */
  run?: (base: string, signal: AbortSignal) => Promise<Omit<Outcome, 'kind' | 'ms'>>
}

/**
 * `concurrency` keep-alive fetch loops for `durationMs`; request `i` is `plan(i)`. Every request has
 * a client-side deadline: one that passes is recorded as a `timeout` (a hang), never awaited forever.
 */
export async function runLoad(opts: {
  base: string
  concurrency: number
  durationMs: number
  deadlineMs: number
  plan: (i: number) => RequestPlan
}): Promise<LoadStats> {
  const outcomes: Outcome[] = []
  const started = Date.now()
  const end = started + opts.durationMs
  let seq = 0
  const loop = async (): Promise<void> => {
    while (Date.now() < end) {
      const p = opts.plan(seq++)
      const t0 = Date.now()
      const signal = AbortSignal.timeout(opts.deadlineMs)
      let o: Omit<Outcome, 'kind' | 'ms'>
      try {
        o = p.run
          ? await p.run(opts.base, signal)
          : await fetchText(opts.base + p.path, signal, p.init)
      } catch (err) {
        o = { status: 0, error: classify(err, signal), noWorkers: false, body: String(err) }
      }
      outcomes.push({ kind: p.kind, ms: Date.now() - t0, ...o })
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, loop))
  return {
    sent: seq,
    answered: outcomes.filter((o) => o.status > 0 || o.error === 'aborted').length,
    outcomes,
    durationMs: Date.now() - started,
  }
}

async function fetchText(
  url: string,
  signal: AbortSignal,
  init?: RequestInit,
): Promise<Omit<Outcome, 'kind' | 'ms'>> {
  const res = await fetch(url, { ...init, signal })
  const body = await res.text()
  // Bodies of successful answers are not kept: thousands of them would blur the memory figures.
  return {
    status: res.status,
    noWorkers: res.headers.get('no-workers') === 'true',
    body: res.status === 200 ? '' : body,
  }
}

export function classify(err: unknown, signal: AbortSignal): 'timeout' | 'network' {
  return signal.aborted ? 'timeout' : 'network'
}

/** Counts of outcomes by `kind status[/error]`, e.g. `{"normal 200": 950, "fault 500": 20}`. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const o of outcomes) {
    const key = `${o.kind} ${o.error ?? o.status}${o.noWorkers ? '+No-Workers' : ''}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

let gcFn: (() => void) | null = null
/** A full GC (via --expose-gc set at runtime), so heap figures compare live data, not garbage. */
export function fullGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc')
    gcFn = runInNewContext('gc') as () => void
  }
  gcFn()
  gcFn()
}

export interface MemorySample {
  rssMb: number
  heapMb: number
}

export async function memory(): Promise<MemorySample> {
  // Let closed sockets and finished requests be collected first.
  await new Promise((r) => setTimeout(r, 50))
  fullGc()
  const m = process.memoryUsage()
  return { rssMb: round(m.rss / 2 ** 20), heapMb: round(m.heapUsed / 2 ** 20) }
}

/** `heapMb` and `rssMb` as `before->after`: the closing fields of a fault summary. */
export function memoryFields(
  before: MemorySample,
  after: MemorySample,
): { heapMb: string; rssMb: string } {
  return {
    heapMb: `${before.heapMb}->${after.heapMb}`,
    rssMb: `${before.rssMb}->${after.rssMb}`,
  }
}

/** The server's live heap (the test process's) grew by less than 10 MB under the load. */
export function assertHeapFlat(before: MemorySample, after: MemorySample): void {
  assert.ok(after.heapMb - before.heapMb < 10, `heap ${before.heapMb} -> ${after.heapMb} MB`)
}

/** The opening fields of a fault summary: requests sent, answered, and how each ended. */
export function loadFields(load: LoadStats): {
  sent: number
  answered: number
  outcomes: Record<string, number>
} {
  return { sent: load.sent, answered: load.answered, outcomes: tally(load.outcomes) }
}

/** Stops the server, then checks that no PHP process it started is left. */
export async function stopLeavingNoPhp(server: FaultServer, message?: string): Promise<void> {
  await server.stop()
  assert.deepEqual(phpChildren(), [], message)
}

export function round(n: number): number {
  return Math.round(n * 10) / 10
}

/**
 * ms from `since` (default now) until the pool is back to num_workers live, idle workers with no
 * boot in flight.
 */
export async function timeToFullStrength(
  pool: Pool,
  numWorkers: number,
  since = Date.now(),
  timeoutMs = 10_000,
): Promise<number> {
  const t0 = since
  for (;;) {
    const s = pool.stats()
    const listed = pool.list()
    if (
      s.workers === numWorkers &&
      s.spawning === 0 &&
      s.ready === numWorkers &&
      listed.every((w) => w.state === 'ready' && isAlive(w.pid))
    ) {
      return Date.now() - t0
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(
        `pool not back to ${numWorkers} workers in ${timeoutMs} ms: ${JSON.stringify(s)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * Pids that should be gone but are alive: every pid ever seen that is not a current worker. Waits up
 * to `graceMs` for retired workers that are still stopping.
 */
export async function orphans(
  server: FaultServer,
  graceMs = 3000,
  current?: readonly number[],
): Promise<number[]> {
  const deadline = Date.now() + graceMs
  for (;;) {
    // The pool's live workers, read again each time: the supervisor may still be replacing
    // workers (a successor booted after the load ended is not an orphan).
    const live = current ?? server.pool.list().map((w) => w.pid)
    const alive = [...server.seenPids].filter((p) => !live.includes(p) && isAlive(p))
    if (alive.length === 0 || Date.now() > deadline) return alive
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** PHP processes that are children of this test process (none may survive pool.destroy()). */
export function phpChildren(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((l) => /\bphp/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]))
      .filter((n) => n > 0)
  } catch {
    return [] // ps exits 1 when there are none
  }
}

/**
 * Samples the pool every few ms while faults are injected: after each `mark(pid)` (a kill), how long
 * until `pid` is gone from the pool and num_workers live workers are counted again, none booting.
 */
export function strengthWatch(
  pool: Pool,
  numWorkers: number,
): {
  mark(pid: number): void
  stop(): { count: number; avgMs: number; maxMs: number }
} {
  const gaps: number[] = []
  let pending: { pid: number; since: number } | null = null
  const timer = setInterval(() => {
    if (pending === null) return
    const s = pool.stats()
    const { pid, since } = pending
    if (s.workers === numWorkers && s.spawning === 0 && !pool.list().some((w) => w.pid === pid)) {
      gaps.push(Date.now() - since)
      pending = null
    }
  }, 2)
  return {
    mark(pid) {
      pending ??= { pid, since: Date.now() }
    },
    stop() {
      clearInterval(timer)
      const sum = gaps.reduce((a, b) => a + b, 0)
      return {
        count: gaps.length,
        avgMs: gaps.length ? round(sum / gaps.length) : 0,
        maxMs: gaps.length ? Math.max(...gaps) : 0,
      }
    },
  }
}

/** One summary line for the scenario, printed as a TAP diagnostic (shows up in the test output). */
export function summary(t: TestContext, name: string, fields: Record<string, unknown>): void {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  t.diagnostic(`${name}: ${text}`)
}
