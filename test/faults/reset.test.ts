// Fault (e): pool reset every second under steady load (what `rr reset` / octane:reload do).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  assertHeapFlat,
  loadFields,
  memory,
  memoryFields,
  orphans,
  runLoad,
  startFaultServer,
  stopLeavingNoPhp,
  summary,
  timeToFullStrength,
} from '../helpers/load.ts'

test('(e) pool reset every second: no request fails, every old worker exits, full strength after', async (t) => {
  const server = await startFaultServer(t, { script: 'echo.php' })
  const { pool, http } = server
  const plan = (i: number): { kind: string; path: string } => ({
    kind: 'req',
    path: `/sleep?ms=${i % 4}`,
  })
  await runLoad({ base: server.base, concurrency: 12, durationMs: 500, deadlineMs: 8000, plan })
  const before = await memory()

  const resets: number[] = []
  const resetErrors: unknown[] = []
  let lastResetDone = 0
  const resetter = setInterval(() => {
    const t0 = Date.now()
    http.reset().then(
      () => {
        resets.push(Date.now() - t0)
        lastResetDone = Date.now()
      },
      (err: unknown) => resetErrors.push(err),
    )
  }, 1000)
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 6000,
    deadlineMs: 8000,
    plan,
  })
  clearInterval(resetter)
  // A reset may still be running: wait for it before judging strength and orphans.
  await http.reset()
  const recoveryMs = await timeToFullStrength(pool, server.settings.numWorkers, lastResetDone)
  const left = await orphans(server)
  const after = await memory()

  const failed = load.outcomes.filter((o) => o.status !== 200)
  summary(t, '(e) reset every 1 s', {
    resets: resets.length,
    resetMs: `${Math.min(...resets)}..${Math.max(...resets)}`,
    ...loadFields(load),
    pidsSeen: server.seenPids.size,
    retired: pool.stats().retired,
    maxWaitMs: pool.stats().maxWaitMs,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })

  assert.deepEqual(resetErrors, [])
  assert.ok(resets.length >= 5, `resets: ${resets.length}`)
  assert.equal(load.answered, load.sent, 'every request got a response')
  assert.deepEqual(failed, [], 'a reset fails no request')
  assert.ok(server.seenPids.size >= 4 * (resets.length + 1), `pids seen: ${server.seenPids.size}`)
  assert.deepEqual(left, [], 'every replaced worker exited')
  assertHeapFlat(before, after)
  await stopLeavingNoPhp(server)
})
