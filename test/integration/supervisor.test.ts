// The supervisor and the pool under pressure, with real PHP workers: ttl, idle_ttl, max_worker_memory
// (soft, between requests, successor first), exec_ttl (hard, per request and per streamed frame),
// queue figures, RoadRunner statuses, informer's AddWorker/RemoveWorker.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import type { SupervisorOptions } from '../../src/pool/index.ts'
import { startFaultServer } from '../helpers/load.ts'
import { LEVEL, dump } from '../helpers/log.ts'
import { parseEcho, pidOf, request, startPool } from '../helpers/pool.ts'
import { isAlive, settle, waitFor } from '../helpers/process.ts'

const OFF: SupervisorOptions = {
  watchTickMs: 50,
  ttlMs: 0,
  idleTtlMs: 0,
  execTtlMs: 0,
  maxWorkerMemoryMb: 0,
}

describe('soft limits', () => {
  test('ttl: an idle worker is replaced successor first, the pool never counts fewer workers', async (t) => {
    const { pool, lines } = await startPool(t, {
      settings: { numWorkers: 2, supervisor: { ...OFF, ttlMs: 300 } },
    })
    const first = pool.list().map((w) => w.pid)
    let min = Infinity
    const sampler = setInterval(() => (min = Math.min(min, pool.stats().workers)), 1)
    await waitFor(
      'both workers replaced',
      () => pool.list().every((w) => !first.includes(w.pid)) && pool.stats().workers === 2,
      3000,
    )
    clearInterval(sampler)
    assert.equal(min, 2, 'never short of a worker')
    for (const pid of first) await waitFor(`${pid} to exit`, () => !isAlive(pid))
    const replaced = lines.filter((l) => l['reason'] === 'ttl')
    assert.ok(replaced.length >= 2, dump(lines))
    assert.equal(replaced[0]!.level, LEVEL.info)
    assert.match(replaced[0]!.msg, /^replacing worker \d+: ttl \(alive \d+ ms, ttl 300 ms\)/)
    assert.equal(lines.filter((l) => l.msg.startsWith('worker exited')).length, 0)
  })

  test('ttl never interrupts a request: the busy worker finishes, then stops', async (t) => {
    const { pool } = await startPool(t, { settings: { supervisor: { ...OFF, ttlMs: 100 } } })
    const pid = pool.list()[0]!.pid
    const echo = parseEcho((await pool.exec(request('/sleep?ms=600', 'slow'))).body)
    assert.equal(echo.body, 'slow')
    assert.equal(echo.pid, pid, 'answered by the worker over its ttl')
    await waitFor('the old worker to exit', () => !isAlive(pid), 2000)
    assert.notEqual(await pidOf(pool), pid)
  })

  test('idle_ttl counts only after the first request', async (t) => {
    const { pool } = await startPool(t, { settings: { supervisor: { ...OFF, idleTtlMs: 200 } } })
    const pid = pool.list()[0]!.pid
    await new Promise((r) => setTimeout(r, 400))
    assert.equal(pool.list()[0]!.pid, pid, 'never used: kept')
    assert.equal(await pidOf(pool), pid)
    await waitFor('the idle worker replaced', () => pool.list()[0]?.pid !== pid, 2000)
    await waitFor('it exits', () => !isAlive(pid))
  })

  test('max_worker_memory: RSS over the limit replaces the worker; the status says why', async (t) => {
    const { pool } = await startPool(t, {
      command: ['php', '-d', 'memory_limit=-1', 'test/fixtures/workers/leak.php'],
      settings: { supervisor: { ...OFF, watchTickMs: 60_000, maxWorkerMemoryMb: 30 } },
    })
    const pid = await pidOf(pool)
    await pool.exec(request('/leak?mb=40'))
    await pool.superviseNow()
    const [w] = pool.list()
    assert.equal(w?.pid, pid)
    assert.equal(w.reason, 'max_worker_memory')
    assert.deepEqual([w.status, w.statusStr], [11, 'maxMemoryReached'])
    await waitFor('the successor', () => pool.list()[0]?.pid !== pid, 3000)
    await waitFor('the old worker to exit', () => !isAlive(pid))
  })
})

describe('exec_ttl', () => {
  test('a request over exec_ttl is killed with ERR_WORKER_EXEC_TTL; the worker is replaced', async (t) => {
    const { pool, lines } = await startPool(t, {
      settings: { supervisor: { ...OFF, execTtlMs: 300 } },
    })
    const pid = pool.list()[0]!.pid
    const t0 = Date.now()
    const r = await settle(pool.exec(request('/sleep?ms=5000')))
    const ms = Date.now() - t0
    assert.ok(!r.ok && isCourserError(r.error, 'ERR_WORKER_EXEC_TTL'), String(!r.ok && r.error))
    assert.match((r.error as Error).message, /exec_ttl \(300 ms\)/)
    assert.ok(ms >= 300 && ms < 1500, `${ms} ms`)
    await waitFor('the killed worker to be gone', () => !isAlive(pid))
    const exit = lines.find((l) => l.msg.startsWith('worker exited'))
    assert.equal(exit?.['reason'], 'exec_ttl')
    assert.deepEqual(exit['exit'], { code: null, signal: 'SIGKILL' })
    assert.notEqual(await pidOf(pool), pid)
  })

  test('streaming: exec_ttl applies per frame, not to the whole stream', async (t) => {
    const server = await startFaultServer(t, {
      script: 'slow-stream.php',
      pool: { numWorkers: 1, supervisor: { ...OFF, execTtlMs: 400 } },
    })
    // 10 frames 100 ms apart: 1 s in all, each gap well under exec_ttl.
    const res = await fetch(`${server.base}/stream?n=10&gap=100`)
    assert.equal(res.status, 200)
    assert.equal((await res.text()).split('\n').length, 11)
    // A gap of 1 s between two frames: killed after the first frame; the body stops there.
    const slow = await fetch(`${server.base}/stream?n=3&gap=1000`)
    assert.equal(slow.status, 200, 'the head was already sent')
    await assert.rejects(slow.text())
    const line = server.lines.find((l) => l['code'] === 'ERR_WORKER_EXEC_TTL')
    assert.ok(line, dump(server.lines))
    assert.match(
      line.msg,
      /no stream frame from worker \d+ within exec_ttl \(400 ms\).*GET \/stream\?n=3&gap=1000/,
    )
    const after = await fetch(`${server.base}/`)
    assert.equal(after.status, 200)
    await after.text()
  })

  test('http: the client gets the internal error status; the log line names exec_ttl and the URI', async (t) => {
    const server = await startFaultServer(t, {
      script: 'echo.php',
      pool: { numWorkers: 1, supervisor: { ...OFF, execTtlMs: 300 } },
    })
    const res = await fetch(`${server.base}/sleep?ms=3000&who=me`)
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('no-workers'), null)
    assert.equal(await res.text(), '')
    const line = server.lines.find((l) => l['code'] === 'ERR_WORKER_EXEC_TTL')
    assert.ok(line, dump(server.lines))
    assert.equal(line['URI'], '/sleep?ms=3000&who=me')
    assert.match(line.msg, /exec_ttl.*GET \/sleep\?ms=3000&who=me$/)
  })
})

describe('pool under pressure', () => {
  test('queue figures: queued, oldest wait, waits and rejections', async (t) => {
    const { pool } = await startPool(t, { settings: { allocateTimeoutMs: 300, maxQueueSize: 2 } })
    const busy = pool.exec(request('/sleep?ms=500'))
    await waitFor('busy', () => pool.stats().busy === 1)
    const waiting = [settle(pool.exec(request('/a'))), settle(pool.exec(request('/b')))]
    await new Promise((r) => setTimeout(r, 50))
    const s = pool.stats()
    assert.equal(s.queued, 2)
    assert.ok(s.oldestWaitMs >= 40, JSON.stringify(s))
    const t0 = Date.now()
    const full = await settle(pool.exec(request('/c')))
    assert.ok(!full.ok && isCourserError(full.error, 'ERR_POOL_QUEUE_FULL'))
    assert.ok(Date.now() - t0 < 50, 'rejected at once')
    const [a, b] = await Promise.all(waiting)
    assert.ok(!a!.ok && isCourserError(a!.error, 'ERR_POOL_NO_WORKERS'))
    assert.ok(!b!.ok && isCourserError(b!.error, 'ERR_POOL_NO_WORKERS'))
    await busy
    const after = pool.stats()
    assert.equal(after.queued, 0)
    assert.equal(after.rejected, 3)
    assert.equal(after.waited, 2)
    assert.ok(after.maxWaitMs >= 300 && after.avgWaitMs >= 300, JSON.stringify(after))
  })

  test('http: allocate_timeout and max_queue_size answer 500 + No-Workers: true, fast', async (t) => {
    const server = await startFaultServer(t, {
      script: 'echo.php',
      pool: { numWorkers: 1, allocateTimeoutMs: 200, maxQueueSize: 1 },
    })
    const slow = fetch(`${server.base}/sleep?ms=700`)
    await waitFor('busy', () => server.pool.stats().busy === 1)
    const queued = fetch(`${server.base}/q`)
    await waitFor('queued', () => server.pool.stats().queued === 1)
    const t0 = Date.now()
    const full = await fetch(`${server.base}/full`)
    assert.equal(full.status, 500)
    assert.equal(full.headers.get('no-workers'), 'true')
    assert.ok(Date.now() - t0 < 100, 'queue full is immediate')
    const timedOut = await queued
    assert.equal(timedOut.status, 500)
    assert.equal(timedOut.headers.get('no-workers'), 'true')
    assert.ok(Date.now() - t0 < 400, 'allocate_timeout is honoured')
    assert.equal((await slow).status, 200)
    await Promise.all([full.text(), timedOut.text()])
  })

  test('pool.debug: a fresh worker per request, and only then the error text in the 500 body', async (t) => {
    const server = await startFaultServer(t, { script: 'echo.php', pool: { debug: true } })
    const a = Number(await (await fetch(`${server.base}/pid`)).text())
    const b = Number(await (await fetch(`${server.base}/pid`)).text())
    assert.notEqual(a, b)
    const err = await fetch(`${server.base}/error`)
    assert.equal(err.status, 500)
    assert.equal(await err.text(), 'worker answered with an error frame: boom from worker')
    const prod = await startFaultServer(t, { script: 'echo.php', pool: { numWorkers: 1 } })
    const quiet = await fetch(`${prod.base}/error`)
    assert.equal(quiet.status, 500)
    assert.equal(await quiet.text(), '')
  })

  test('max_jobs boots the successor during the last request', async (t) => {
    const { pool } = await startPool(t, { settings: { maxJobs: 2 } })
    const first = await pidOf(pool)
    let min = Infinity
    const sampler = setInterval(() => (min = Math.min(min, pool.stats().workers)), 1)
    const last = pool.exec(request('/sleep?ms=300'))
    await waitFor('its successor counted', () => pool.list().some((w) => w.pid !== first), 2000)
    await last
    clearInterval(sampler)
    assert.equal(min, 1)
    assert.notEqual(await pidOf(pool), first)
  })

  test('an empty payload is refused before a worker is taken', async (t) => {
    const { pool } = await startPool(t, { settings: { allocateTimeoutMs: 300 } })
    const pid = await pidOf(pool)
    await assert.rejects(pool.exec({ context: '', body: Buffer.alloc(0), codec: 8 }), (err) =>
      isCourserError(err, 'ERR_PAYLOAD_EMPTY'),
    )
    assert.equal(await pidOf(pool), pid)
  })

  test('informer AddWorker / RemoveWorker change num_workers', async (t) => {
    const { pool } = await startPool(t, { settings: { numWorkers: 1 } })
    await pool.addWorker()
    assert.equal(pool.stats().workers, 2)
    const pids = pool.list().map((w) => w.pid)
    pool.removeWorker()
    await waitFor('back to one worker', () => pool.stats().workers === 1)
    await waitFor('the removed one exits', () => pids.filter(isAlive).length === 1)
    // Not replaced: num_workers is 1 now.
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(pool.stats().workers, 1)
  })
})
