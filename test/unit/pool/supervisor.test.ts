// Supervisor decisions on fake workers: which limit fires, for which state, with which detail.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { Supervisor, type SupervisorOptions } from '../../../src/pool/index.ts'
import type { RetireReason, Worker, WorkerState } from '../../../src/worker/index.ts'

const MB = 2 ** 20
const OFF: SupervisorOptions = {
  watchTickMs: 1000,
  ttlMs: 0,
  idleTtlMs: 0,
  execTtlMs: 0,
  maxWorkerMemoryMb: 0,
}

interface Fake {
  pid: number
  state: WorkerState
  createdAt: number
  lastUsedAt: number
  execs: number
  rss: number | null
}

function fake(pid: number, over: Partial<Fake> = {}): Fake {
  const now = Date.now()
  return { pid, state: 'ready', createdAt: now, lastUsedAt: now, execs: 1, rss: 10 * MB, ...over }
}

async function tick(
  workers: Fake[],
  opts: Partial<SupervisorOptions>,
): Promise<{ pid: number; reason: RetireReason; detail: string }[]> {
  const calls: { pid: number; reason: RetireReason; detail: string }[] = []
  const sup = new Supervisor(
    {
      workers: () => workers as unknown as Worker[],
      replace: (w, reason, detail) => calls.push({ pid: w.pid, reason, detail }),
    },
    { ...OFF, ...opts },
    pino({ level: 'silent' }),
    (w) => Promise.resolve((w as unknown as Fake).rss),
  )
  await sup.tick()
  return calls
}

test('ttl: a worker older than ttl is replaced, busy or not', async () => {
  const old = Date.now() - 5000
  const calls = await tick(
    [fake(1, { createdAt: old }), fake(2, { createdAt: old, state: 'working' }), fake(3)],
    { ttlMs: 1000 },
  )
  assert.deepEqual(
    calls.map((c) => [c.pid, c.reason]),
    [
      [1, 'ttl'],
      [2, 'ttl'],
    ],
  )
  assert.match(calls[0]!.detail, /^alive \d+ ms, ttl 1000 ms$/)
})

test('idle_ttl: only idle workers that served at least one request', async () => {
  const idle = Date.now() - 5000
  const calls = await tick(
    [
      fake(1, { lastUsedAt: idle }),
      fake(2, { lastUsedAt: idle, execs: 0 }),
      fake(3, { lastUsedAt: idle, state: 'working' }),
      fake(4),
    ],
    { idleTtlMs: 1000 },
  )
  assert.deepEqual(
    calls.map((c) => [c.pid, c.reason]),
    [[1, 'idle_ttl']],
  )
})

test('max_worker_memory: RSS above the limit in MB (1024²), unknown RSS is skipped', async () => {
  const calls = await tick(
    [
      fake(1, { rss: 65 * MB }),
      fake(2, { rss: 64 * MB }),
      fake(3, { rss: null }),
      fake(4, { rss: 100 * MB, state: 'working' }),
    ],
    { maxWorkerMemoryMb: 64 },
  )
  assert.deepEqual(
    calls.map((c) => [c.pid, c.reason]),
    [
      [1, 'max_worker_memory'],
      [4, 'max_worker_memory'],
    ],
  )
  assert.equal(calls[0]!.detail, 'RSS 65 MB, max_worker_memory 64 MB')
})

test('workers that are starting, stopping or already retiring are left alone', async () => {
  const old = Date.now() - 5000
  const calls = await tick(
    (['starting', 'retiring', 'stopping', 'stopped', 'errored'] as const).map((state, i) =>
      fake(i, { state, createdAt: old }),
    ),
    { ttlMs: 1000 },
  )
  assert.deepEqual(calls, [])
})

test('no limit configured: start() does not even schedule a tick', () => {
  const sup = new Supervisor(
    { workers: () => [], replace: () => assert.fail('no replace') },
    { ...OFF, execTtlMs: 500 },
    pino({ level: 'silent' }),
  )
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  sup.start()
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before)
  sup.stop()
})
