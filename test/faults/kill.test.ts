// Fault (a): kill -9 a random worker every 200 ms under steady keep-alive load.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dump } from '../helpers/log.ts'
import {
  assertHeapFlat,
  loadFields,
  memory,
  memoryFields,
  orphans,
  runLoad,
  startFaultServer,
  stopLeavingNoPhp,
  strengthWatch,
  summary,
  timeToFullStrength,
} from '../helpers/load.ts'

const DURATION_MS = 8000
const KILL_EVERY_MS = 200

test('(a) kill -9 a random worker every 200 ms: only the killed requests fail, full strength after', async (t) => {
  const server = await startFaultServer(t, { script: 'echo.php' })
  const { pool, lines } = server
  const plan = (i: number): { kind: string; path: string } => ({
    kind: 'req',
    path: `/sleep?ms=${1 + (i % 3)}`,
  })
  // Warm up (JIT, keep-alive sockets) so the memory figures compare steady states.
  await runLoad({ base: server.base, concurrency: 12, durationMs: 1000, deadlineMs: 8000, plan })
  const before = await memory()

  const killed: number[] = []
  let lastKillAt = 0
  const watch = strengthWatch(pool, server.settings.numWorkers)
  const killer = setInterval(() => {
    const live = pool.list().filter((w) => w.state === 'ready' || w.state === 'working')
    const victim = live[Math.floor(Math.random() * live.length)]
    if (!victim) return
    try {
      process.kill(victim.pid, 'SIGKILL')
      killed.push(victim.pid)
      lastKillAt = Date.now()
      watch.mark(victim.pid)
    } catch {
      // exited meanwhile
    }
  }, KILL_EVERY_MS)
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: DURATION_MS,
    deadlineMs: 8000,
    plan,
  })
  clearInterval(killer)
  const recoveryMs = await timeToFullStrength(pool, server.settings.numWorkers, lastKillAt)
  const gaps = watch.stop()
  const left = await orphans(server)
  const after = await memory()

  const failed = load.outcomes.filter((o) => o.status !== 200)
  const failureLines = lines.filter((l) => l.msg !== 'http log' && typeof l['status'] === 'number')
  const codes: Record<string, number> = {}
  for (const l of failureLines) codes[String(l['code'])] = (codes[String(l['code'])] ?? 0) + 1
  summary(t, '(a) kill -9', {
    kills: killed.length,
    ...loadFields(load),
    ok: load.outcomes.length - failed.length,
    failed: failed.length,
    why: codes,
    backToFullAfterLastKillMs: recoveryMs,
    replacementMs: gaps,
    orphans: left.length,
    pidsSeen: server.seenPids.size,
    ...memoryFields(before, after),
  })

  assert.ok(killed.length >= (DURATION_MS / KILL_EVERY_MS) * 0.8, `kills: ${killed.length}`)
  assert.equal(load.answered, load.sent, 'every request got a response')
  // Each kill costs at most the one request its worker was running.
  assert.ok(failed.length <= killed.length, `${failed.length} failures for ${killed.length} kills`)
  for (const o of failed) assert.equal(o.status, 500, JSON.stringify(o))
  assert.equal(failed.length, failureLines.length, 'each failure is logged')
  for (const l of failureLines) assert.equal(l['code'], 'ERR_WORKER_EXITED', dump([l]))
  assert.ok(load.sent > 500, `steady load: ${load.sent} requests`)
  assert.deepEqual(left, [], 'no PHP process outlives its worker')
  assertHeapFlat(before, after)
  assert.ok(after.rssMb - before.rssMb < 150, `RSS ${before.rssMb} -> ${after.rssMb} MB`)

  await stopLeavingNoPhp(server, 'no PHP child left after destroy')
})
