// Faults (b) and (c): a worker that leaks 5 MB per request under max_worker_memory: 64, and a worker
// that sleeps 30 s on 1 request in 50 under exec_ttl: 2s.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readRss } from '../../src/worker/index.ts'
import { LEVEL, dump } from '../helpers/log.ts'
import {
  assertHeapFlat,
  loadFields,
  memory,
  memoryFields,
  orphans,
  round,
  runLoad,
  startFaultServer,
  stopLeavingNoPhp,
  summary,
  timeToFullStrength,
} from '../helpers/load.ts'
import { WORKERS } from '../helpers/pool.ts'

const MB = 2 ** 20

test('(b) a worker leaking 5 MB per request is replaced between requests at max_worker_memory 64', async (t) => {
  const server = await startFaultServer(t, {
    command: ['php', '-d', 'memory_limit=-1', `${WORKERS}/leak.php`],
    pool: {
      supervisor: {
        watchTickMs: 100,
        ttlMs: 0,
        idleTtlMs: 0,
        execTtlMs: 0,
        maxWorkerMemoryMb: 64,
      },
    },
  })
  const { pool, lines } = server
  const plan = (): { kind: string; path: string } => ({ kind: 'leak', path: '/leak?mb=5' })
  await runLoad({ base: server.base, concurrency: 8, durationMs: 500, deadlineMs: 8000, plan })
  const before = await memory()

  // The pool's strength (counted live workers) sampled every 2 ms: replacing never leaves it short.
  let samples = 0
  let short = 0
  let minWorkers = Infinity
  const strength = setInterval(() => {
    const n = pool.stats().workers
    samples++
    if (n < server.settings.numWorkers) short++
    minWorkers = Math.min(minWorkers, n)
  }, 2)
  // Peak RSS of any worker, sampled while the load runs.
  let peak = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const rss = await Promise.all(pool.list().map((w) => readRss(w.pid)))
      for (const r of rss) if (r !== null && r > peak) peak = r
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const load = await runLoad({
    base: server.base,
    concurrency: 8,
    durationMs: 5000,
    deadlineMs: 8000,
    plan,
  })
  sampling = false
  clearInterval(strength)
  await sampler
  const loadEnd = Date.now()
  const recoveryMs = await timeToFullStrength(pool, server.settings.numWorkers, loadEnd)
  const left = await orphans(server)
  const after = await memory()

  const replaced = lines.filter((l) => l['reason'] === 'max_worker_memory')
  const exits = lines.filter((l) => l.msg.startsWith('worker exited'))
  const killedOnStop = lines.filter((l) => l.msg.includes('did not stop in time'))
  const failed = load.outcomes.filter((o) => o.status !== 200)
  summary(t, '(b) leak 5 MB/request, max_worker_memory 64', {
    ...loadFields(load),
    failed: failed.length,
    replacedForMemory: replaced.length,
    retired: pool.stats().retired,
    unexpectedExits: exits.length,
    peakWorkerRssMb: round(peak / MB),
    minCountedWorkers: minWorkers,
    shortSamples: `${short}/${samples}`,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })

  assert.equal(load.answered, load.sent, 'every request got a response')
  assert.deepEqual(failed, [], 'a soft limit never fails a request')
  assert.ok(replaced.length >= 4, `workers were replaced for memory: ${replaced.length}`)
  assert.ok(
    replaced.every((l) => l.level === LEVEL.info && /RSS [\d.]+ MB/.test(l.msg)),
    dump(replaced),
  )
  assert.deepEqual(exits, [], 'no worker died or was killed (graceful stops only)')
  assert.equal(minWorkers, server.settings.numWorkers, 'successor first: never short of a worker')
  assert.deepEqual(killedOnStop, [], 'every retired worker stopped on the stop frame')
  // 64 MB plus what a worker can leak between two 100 ms ticks at this load.
  assert.ok(peak < 400 * MB, `peak worker RSS ${round(peak / MB)} MB`)
  assert.deepEqual(left, [], 'retired workers exited')
  assertHeapFlat(before, after)

  // Idle now: once the workers over the limit are replaced, the ones under it are left alone.
  await new Promise((r) => setTimeout(r, 500))
  await timeToFullStrength(pool, server.settings.numWorkers)
  const pids = pool.list().map((w) => w.pid)
  for (const pid of pids)
    assert.ok((await readRss(pid))! < 64 * MB, `worker ${pid} under the limit`)
  await pool.superviseNow()
  await new Promise((r) => setTimeout(r, 300))
  assert.deepEqual(
    pool.list().map((w) => w.pid),
    pids,
  )
  await stopLeavingNoPhp(server)
})

test('(c) a worker sleeping 30 s on 1 request in 50 is killed at exec_ttl 2s; the rest succeed', async (t) => {
  const EXEC_TTL = 2000
  const server = await startFaultServer(t, {
    script: 'echo.php',
    pool: {
      supervisor: {
        watchTickMs: 1000,
        ttlMs: 0,
        idleTtlMs: 0,
        execTtlMs: EXEC_TTL,
        maxWorkerMemoryMb: 0,
      },
    },
  })
  const { pool, lines } = server
  const plan = (i: number): { kind: string; path: string } =>
    i % 50 === 49
      ? { kind: 'slow', path: `/sleep?ms=30000&i=${i}` }
      : { kind: 'fast', path: `/sleep?ms=2&i=${i}` }
  await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 500,
    deadlineMs: 15_000,
    plan: (i) => ({ kind: 'fast', path: `/sleep?ms=2&i=${i}` }),
  })
  const before = await memory()
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 6000,
    deadlineMs: 15_000,
    plan,
  })
  const loadEnd = Date.now()
  const recoveryMs = await timeToFullStrength(pool, server.settings.numWorkers, loadEnd)
  const left = await orphans(server)
  const after = await memory()

  const slow = load.outcomes.filter((o) => o.kind === 'slow')
  const fast = load.outcomes.filter((o) => o.kind === 'fast')
  const ttlLines = lines.filter((l) => l['code'] === 'ERR_WORKER_EXEC_TTL' && l['URI'])
  const slowMs = slow.map((o) => o.ms)
  summary(t, '(c) sleep 30 s on 1 in 50, exec_ttl 2s', {
    ...loadFields(load),
    slowAnsweredInMs: `${Math.min(...slowMs)}..${Math.max(...slowMs)}`,
    fastMaxMs: Math.max(...fast.map((o) => o.ms)),
    execTtlLogLines: ttlLines.length,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })

  assert.equal(load.answered, load.sent, 'every request got a response, none hung')
  assert.ok(slow.length >= 3, `slow requests: ${slow.length}`)
  for (const o of slow) {
    assert.equal(o.status, 500, JSON.stringify(o))
    // exec_ttl plus the wait for a free worker: far from the 30 s the worker wanted.
    assert.ok(o.ms < EXEC_TTL + 3000, `answered after ${o.ms} ms`)
  }
  assert.deepEqual(
    fast.filter((o) => o.status !== 200),
    [],
    'only the requests over exec_ttl fail',
  )
  assert.equal(ttlLines.length, slow.length, dump(lines.slice(0, 20)))
  for (const l of ttlLines) {
    assert.match(l.msg, /exec_ttl/)
    assert.match(l.msg, /\/sleep\?ms=30000/, 'the log line names the URI')
    assert.equal(l['status'], 500)
  }
  const statuses = lines.filter((l) => l.msg.startsWith('worker exited'))
  assert.ok(
    statuses.every((l) => l['reason'] === 'exec_ttl'),
    dump(statuses),
  )
  assert.deepEqual(left, [], 'killed workers are gone')
  assertHeapFlat(before, after)
  await stopLeavingNoPhp(server)
})
