// Workers that cannot boot: every attempt is logged with its exit code and last stderr lines, retried
// with a capped exponential backoff, clients get the error status at once meanwhile, and the pool
// recovers by itself once a boot succeeds.

import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { LEVEL, dump, type LogLine } from '../helpers/log.ts'
import { startFaultServer, stopLeavingNoPhp, summary, timeToFullStrength } from '../helpers/load.ts'
import { WORKERS, tempDir } from '../helpers/pool.ts'
import { waitFor } from '../helpers/process.ts'

const bootErrors = (lines: LogLine[]): LogLine[] =>
  lines.filter((l) => l.level === LEVEL.error && typeof l['retryInMs'] === 'number')

test('a worker that fails at boot: one line per attempt with exit code and stderr, fast 500s, recovery', async (t) => {
  const marker = join(tempDir(t), 'pending')
  writeFileSync(marker, '')
  const server = await startFaultServer(t, {
    command: ['php', `${WORKERS}/flaky-boot.php`, marker],
    pool: { numWorkers: 2 },
  })
  const attempts = await waitFor(
    'five failed rounds',
    () => {
      const e = bootErrors(server.lines)
      return e.length >= 10 ? e : null
    },
    10_000,
  )
  for (const l of attempts) {
    assert.equal(l['code'], 'ERR_WORKER_BOOT_FAILED')
    assert.match(
      l.msg,
      /exited during boot with code 3; stderr: migrations pending, refusing to start/,
    )
  }
  // Capped exponential: one step per round of boots (two workers fail together, one wait).
  const delays = [...new Set(attempts.map((l) => l['retryInMs'] as number))]
  assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 800, 1600], dump(attempts))

  // Meanwhile clients get the error status at once, marked No-Workers.
  const t0 = Date.now()
  const res = await fetch(`${server.base}/`)
  const failMs = Date.now() - t0
  assert.equal(res.status, 500)
  assert.equal(res.headers.get('no-workers'), 'true')
  await res.arrayBuffer()
  assert.ok(failMs < 500, `answered in ${failMs} ms`)

  // The cause goes away: the next attempt succeeds and the pool serves again.
  rmSync(marker)
  const removedAt = Date.now()
  const recoveryMs = await timeToFullStrength(server.pool, 2, removedAt, 10_000)
  const ok = await fetch(`${server.base}/`)
  assert.equal(ok.status, 200)
  await ok.text()
  summary(t, 'boot failures', {
    attemptsLogged: bootErrors(server.lines).length,
    retryInMs: delays,
    errorAnsweredInMs: failMs,
    servingAgainAfterMs: recoveryMs,
  })
  await stopLeavingNoPhp(server)
})

test('a worker that dies right after its handshake backs off like a failed boot (no respawn loop)', async (t) => {
  const server = await startFaultServer(t, {
    script: 'exit-after-boot.php',
    pool: { numWorkers: 1 },
  })
  await new Promise((r) => setTimeout(r, 2500))
  const attempts = bootErrors(server.lines)
  summary(t, 'crash right after boot', {
    attemptsIn2500ms: attempts.length,
    retryInMs: attempts.map((l) => l['retryInMs']),
  })
  // 100 + 200 + 400 + 800 ms of backoff fit in 2.5 s: a handful of attempts, not hundreds.
  assert.ok(attempts.length >= 3 && attempts.length <= 6, dump(attempts))
  for (const l of attempts) {
    assert.equal(l['code'], 'ERR_WORKER_BOOT_FAILED')
    assert.match(l.msg, /before serving a request: .*code 5.*cache warm-up failed/)
  }
  const res = await fetch(`${server.base}/`)
  assert.equal(res.status, 500)
  await res.arrayBuffer()
  await stopLeavingNoPhp(server)
})
