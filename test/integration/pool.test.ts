// Pool behaviour with real PHP workers: crashes, recycling, limits, and workers that cannot boot.

import assert from 'node:assert/strict'
import { setImmediate as tick } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import type { Pool } from '../../src/pool/index.ts'
import { LEVEL, dump, type LogLine } from '../helpers/log.ts'
import { WORKERS, parseEcho, pidOf, relayFor, request, startPool } from '../helpers/pool.ts'
import { isAlive, settle, waitFor } from '../helpers/process.ts'

/** Rejects instead of hanging when `p` does not settle within `ms` (a guard, not a timing assertion). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([p, guard]).finally(() => clearTimeout(timer))
}

async function readyWorkers(pool: Pool, n: number, timeoutMs = 3000): Promise<void> {
  await waitFor(
    `${n} ready workers`,
    () => {
      const s = pool.stats()
      return s.ready === n && s.spawning === 0
    },
    timeoutMs,
  )
}

describe('crashes', () => {
  test('kill -9 of an idle worker: replaced within 1 s, the next requests succeed', async (t) => {
    const { pool, lines } = await startPool(t, { settings: { numWorkers: 2 } })
    const victim = pool.list()[0]!.pid
    process.kill(victim, 'SIGKILL')
    await waitFor(
      'the replacement',
      () => {
        const pids = pool.list().map((w) => w.pid)
        return pids.length === 2 && !pids.includes(victim) && pool.stats().ready === 2
      },
      1000,
    )
    for (let i = 0; i < 6; i++) assert.notEqual(await pidOf(pool), victim)
    const exit = lines.find((l) => l.msg.startsWith('worker exited') && l['pid'] === victim)
    assert.ok(exit, `an exit line for ${victim}:\n${dump(lines)}`)
    assert.equal(exit['code'], 'ERR_WORKER_EXITED')
    assert.equal(exit.level, LEVEL.warn)
    assert.deepEqual(exit['exit'], { code: null, signal: 'SIGKILL' })
  })

  test('kill -9 during a request: that exec fails with ERR_WORKER_EXITED, the next succeeds', async (t) => {
    const { pool } = await startPool(t)
    const victim = pool.list()[0]!.pid
    const slow = settle(pool.exec(request('/sleep?ms=5000')))
    await waitFor('the request to start', () => pool.stats().busy === 1)
    process.kill(victim, 'SIGKILL')
    const r = await within(slow, 2000, 'the killed exec')
    assert.equal(r.ok, false)
    assert.ok(!r.ok && isCourserError(r.error, 'ERR_WORKER_EXITED'), String(!r.ok && r.error))
    const echo = parseEcho((await pool.exec(request('/after', 'ok'))).body)
    assert.equal(echo.body, 'ok')
    assert.notEqual(echo.pid, victim)
  })

  test('fwrite(STDOUT) mid-request with pipes: ERR_WORKER_STDOUT quoting the bytes, worker replaced', async (t) => {
    const { pool, lines } = await startPool(t, { script: 'noisy.php' })
    const before = await pidOf(pool)
    await assert.rejects(pool.exec(request('/fwrite')), (err) => {
      assert.ok(isCourserError(err, 'ERR_WORKER_STDOUT'), String(err))
      assert.match(err.message, /raw bytes on stdout mid-request/)
      return true
    })
    await readyWorkers(pool, 1)
    assert.notEqual(await pidOf(pool), before)
    assert.equal(isAlive(before), false)
    const logged = lines.find((l) => l['code'] === 'ERR_WORKER_STDOUT')
    assert.ok(logged, dump(lines))
    assert.match(logged.msg, /raw bytes on stdout mid-request/)
  })

  test('echo mid-request is redirected to stderr and logged as worker output', async (t) => {
    const { pool, lines } = await startPool(t, { script: 'noisy.php' })
    const pid = await pidOf(pool)
    assert.equal(Number((await pool.exec(request('/echo'))).body.toString()), pid)
    const line = await waitFor('the output line', () =>
      lines.find((l) => l['worker_output'] === 'echoed mid-request'),
    )
    assert.equal(line['pid'], pid)
    assert.equal(await pidOf(pool), pid, 'the worker survived')
  })

  test('with a socket relay, stdout is a log stream: fwrite(STDOUT) is logged and harmless', async (t) => {
    const { pool, lines } = await startPool(t, { script: 'noisy.php', relay: relayFor(t, 'tcp') })
    const pid = await pidOf(pool)
    assert.equal(Number((await pool.exec(request('/fwrite'))).body.toString()), pid)
    await waitFor('the output line', () =>
      lines.find((l) => l['worker_output'] === 'raw bytes on stdout mid-request'),
    )
    assert.equal(await pidOf(pool), pid)
  })
})

describe('limits', () => {
  test('max_jobs recycles a worker after N execs', async (t) => {
    const { pool } = await startPool(t, { settings: { maxJobs: 3 } })
    const pids: number[] = []
    for (let i = 0; i < 9; i++) pids.push(await pidOf(pool))
    const groups = [pids.slice(0, 3), pids.slice(3, 6), pids.slice(6, 9)]
    for (const g of groups)
      assert.equal(new Set(g).size, 1, `one worker per 3 execs: ${pids.join(',')}`)
    assert.equal(new Set(pids).size, 3, `three different workers: ${pids.join(',')}`)
    for (const old of [pids[0]!, pids[3]!]) {
      await waitFor(`recycled worker ${old} to exit`, () => !isAlive(old))
    }
  })

  test('allocate_timeout with every worker busy: ERR_POOL_NO_WORKERS; the busy one still answers', async (t) => {
    const { pool } = await startPool(t, { settings: { allocateTimeoutMs: 400 } })
    const busy = pool.exec(request('/sleep?ms=1000', 'slow'))
    await waitFor('the worker to be busy', () => pool.stats().busy === 1)
    await assert.rejects(pool.exec(request('/pid')), (err) =>
      isCourserError(err, 'ERR_POOL_NO_WORKERS'),
    )
    assert.equal(pool.stats().queued, 0, 'the timed-out waiter left the queue')
    assert.equal(parseEcho((await busy).body).body, 'slow')
    assert.ok((await pidOf(pool)) > 0)
  })

  test('max_queue_size: one more waiter is rejected at once with ERR_POOL_QUEUE_FULL', async (t) => {
    const { pool } = await startPool(t, { settings: { maxQueueSize: 1 } })
    const busy = pool.exec(request('/sleep?ms=300', 'first'))
    await waitFor('the worker to be busy', () => pool.stats().busy === 1)
    const queued = pool.exec(request('/queued', 'second'))
    assert.equal(pool.stats().queued, 1)
    await assert.rejects(pool.exec(request('/pid')), (err) =>
      isCourserError(err, 'ERR_POOL_QUEUE_FULL'),
    )
    assert.equal(parseEcho((await busy).body).body, 'first')
    assert.equal(parseEcho((await queued).body).body, 'second')
  })

  test('an empty payload is refused before it reaches a worker, and the worker stays in the pool', async (t) => {
    const { pool } = await startPool(t, { settings: { allocateTimeoutMs: 300 } })
    const pid = await pidOf(pool)
    await assert.rejects(pool.exec({ context: '', body: Buffer.alloc(0), codec: 8 }), (err) =>
      isCourserError(err, 'ERR_PAYLOAD_EMPTY'),
    )
    assert.equal(await pidOf(pool), pid, 'the worker is still there and serving')
  })
})

describe('boot failures', () => {
  const bootErrors = (lines: LogLine[]): LogLine[] =>
    lines.filter((l) => l.level === LEVEL.error && typeof l['retryInMs'] === 'number')

  /**
   * The common contract: exec answers ERR_POOL_BOOT_FAILING promptly, boot attempts go on with a
   * growing backoff, destroy() finishes. Returns the logged boot errors.
   */
  async function assertBootFailing(
    t: Parameters<typeof startPool>[0],
    command: string[],
    env: Record<string, string> = {},
  ): Promise<LogLine[]> {
    const { pool, lines } = await startPool(t, {
      command,
      env,
      settings: { allocateTimeoutMs: 2000 },
    })
    await within(
      assert.rejects(pool.exec(request('/pid')), (err) =>
        isCourserError(err, 'ERR_POOL_BOOT_FAILING'),
      ),
      1000,
      'exec on a boot-failing pool',
    )
    const attempts = await waitFor('three boot attempts', () => {
      const e = bootErrors(lines)
      return e.length >= 3 ? e : null
    })
    const retries = attempts.map((l) => l['retryInMs'] as number)
    for (let i = 1; i < retries.length; i++) {
      assert.ok(retries[i]! > retries[i - 1]!, `backoff grows: ${retries.join(', ')}`)
    }
    await within(pool.destroy(), 3000, 'destroy')
    assert.equal(pool.stats().workers, 0)
    return attempts
  }

  test('echo-at-boot.php: ERR_WORKER_STDOUT quoting what the bootstrap printed', async (t) => {
    const attempts = await assertBootFailing(t, ['php', `${WORKERS}/echo-at-boot.php`])
    for (const l of attempts) {
      assert.equal(l['code'], 'ERR_WORKER_STDOUT')
      assert.match(l.msg, /hello from a careless bootstrap/)
    }
  })

  test('exit-at-boot.php: ERR_WORKER_BOOT_FAILED naming exit code 7 and the stderr line', async (t) => {
    const attempts = await assertBootFailing(t, ['php', `${WORKERS}/exit-at-boot.php`])
    for (const l of attempts) {
      assert.equal(l['code'], 'ERR_WORKER_BOOT_FAILED')
      assert.match(l.msg, /code 7/)
      assert.match(l.msg, /database unreachable, giving up/)
    }
  })

  for (const [how, ini] of [
    ['php.ini defaults (log_errors to stderr)', []],
    ['display_errors=stdout', ['-d', 'display_errors=stdout', '-d', 'log_errors=0']],
    ['display_errors=stderr', ['-d', 'display_errors=stderr', '-d', 'log_errors=0']],
  ] as const) {
    test(`parse-error.php with ${how}: the log names the parse error`, async (t) => {
      const attempts = await assertBootFailing(t, ['php', ...ini, `${WORKERS}/parse-error.php`])
      for (const l of attempts) {
        assert.match(l.msg, /Parse error|syntax error/)
        assert.ok(
          l['code'] === 'ERR_WORKER_BOOT_FAILED' || l['code'] === 'ERR_WORKER_STDOUT',
          String(l['code']),
        )
      }
    })
  }

  for (const kind of ['pipes', 'tcp'] as const) {
    test(`a missing script (${kind}): the log names the file`, async (t) => {
      const { pool, lines } = await startPool(t, {
        command: ['php', 'does-not-exist.php'],
        relay: relayFor(t, kind),
      })
      await assert.rejects(pool.exec(request('/pid')), (err) =>
        isCourserError(err, 'ERR_POOL_BOOT_FAILING'),
      )
      const [first] = bootErrors(lines)
      assert.ok(first, dump(lines))
      assert.ok(
        first['code'] === 'ERR_WORKER_FILE_NOT_FOUND' || first['code'] === 'ERR_WORKER_BOOT_FAILED',
        String(first['code']),
      )
      if (kind === 'pipes') assert.equal(first['code'], 'ERR_WORKER_FILE_NOT_FOUND')
      assert.match(first.msg, /does-not-exist\.php/)
    })
  }

  test('a command that cannot be executed: ERR_WORKER_BOOT_FAILED naming it', async (t) => {
    const { pool, lines } = await startPool(t, { command: ['courser-no-such-binary', 'x.php'] })
    await assert.rejects(pool.exec(request('/pid')), (err) =>
      isCourserError(err, 'ERR_POOL_BOOT_FAILING'),
    )
    const [first] = bootErrors(lines)
    assert.ok(first, dump(lines))
    assert.equal(first['code'], 'ERR_WORKER_BOOT_FAILED')
    assert.match(first.msg, /courser-no-such-binary/)
  })

  test('no handshake within allocate_timeout: ERR_WORKER_BOOT_FAILED and the process is killed', async (t) => {
    const { pool, lines } = await startPool(t, {
      script: 'slow-boot.php',
      env: { BOOT_DELAY_MS: '10000' },
      settings: { allocateTimeoutMs: 300 },
    })
    const [first] = bootErrors(lines)
    assert.ok(first, dump(lines))
    assert.equal(first['code'], 'ERR_WORKER_BOOT_FAILED')
    assert.match(first.msg, /no pid handshake within 300 ms/)
    const booted = lines.find((l) => typeof l['worker_output'] === 'string')
    const pid = Number(/booting pid (\d+)/.exec(String(booted?.['worker_output']))?.[1])
    assert.ok(pid > 0, dump(lines))
    await waitFor(`slow worker ${pid} to be killed`, () => !isAlive(pid))
    await assert.rejects(pool.exec(request('/pid')), (err) =>
      isCourserError(err, 'ERR_POOL_BOOT_FAILING'),
    )
  })

  test('a slow boot within allocate_timeout: requests wait for it instead of failing', async (t) => {
    const { pool } = await startPool(t, {
      script: 'slow-boot.php',
      env: { BOOT_DELAY_MS: '200' },
      start: false,
    })
    void pool.start()
    const payload = await pool.exec({ context: '{}', body: Buffer.from('x'), codec: 8 })
    assert.ok(Number(payload.body.toString()) > 0)
  })

  test('requests waiting for the first boot are rejected when it fails', async (t) => {
    const { pool } = await startPool(t, {
      command: ['php', `${WORKERS}/exit-at-boot.php`],
      start: false,
    })
    const started = pool.start()
    assert.equal(pool.stats().spawning, 1)
    await within(
      assert.rejects(pool.exec(request('/pid')), (err) =>
        isCourserError(err, 'ERR_POOL_BOOT_FAILING'),
      ),
      2000,
      'a waiter during a failing boot',
    )
    await started
  })
})

describe('shutdown', () => {
  test('destroy with a busy worker leaves no timer behind holding the process open', async (t) => {
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const baseline = timers()
    const { pool, server } = await startPool(t, { settings: { destroyTimeoutMs: 1000 } })
    const busy = pool.exec(request('/sleep?ms=50'))
    await waitFor('a busy worker', () => pool.stats().busy === 1)
    await pool.destroy()
    await busy
    await server.stop()
    await tick()
    assert.equal(
      timers(),
      baseline,
      `active resources: ${process.getActiveResourcesInfo().join(',')}`,
    )
  })
})
