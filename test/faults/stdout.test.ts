// Fault (d): a worker that writes to stdout (fwrite(STDOUT), bypassing output buffering) on 1 request
// in 50, and echoes (redirected to stderr by the worker library) on another 1 in 50.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LEVEL, dump } from '../helpers/log.ts'
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

test('(d) stray stdout on 1 request in 50: that request gets a 500, the output is logged, the worker restarts', async (t) => {
  const server = await startFaultServer(t, { script: 'garbage.php' })
  const { pool, lines } = server
  const plan = (i: number): { kind: string; path: string } =>
    i % 50 === 7
      ? { kind: 'fwrite', path: `/fwrite?i=${i}` }
      : i % 50 === 31
        ? { kind: 'echo', path: `/echo?i=${i}` }
        : { kind: 'normal', path: `/?i=${i}` }
  await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 500,
    deadlineMs: 8000,
    plan: (i) => ({ kind: 'normal', path: `/?i=${i}` }),
  })
  const before = await memory()
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 5000,
    deadlineMs: 8000,
    plan,
  })
  const recoveryMs = await timeToFullStrength(pool, server.settings.numWorkers, Date.now())
  const left = await orphans(server)
  const after = await memory()

  const byKind = (k: string): typeof load.outcomes => load.outcomes.filter((o) => o.kind === k)
  const stdoutLines = lines.filter((l) => l['stream'] === 'stdout')
  const exits = lines.filter((l) => l.msg.startsWith('worker exited'))
  const echoed = lines.filter((l) => l['worker_output'] === 'echoed mid-request')
  summary(t, '(d) stray stdout on 1 in 50', {
    ...loadFields(load),
    strayOutputLogLines: stdoutLines.length,
    workerRestarts: exits.length,
    echoLinesLogged: echoed.length,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })

  assert.equal(load.answered, load.sent, 'every request got a response')
  assert.ok(byKind('fwrite').length >= 5)
  for (const o of byKind('fwrite')) assert.equal(o.status, 500, JSON.stringify(o))
  assert.deepEqual(
    [...byKind('normal'), ...byKind('echo')].filter((o) => o.status !== 200),
    [],
    'only the requests that wrote to stdout fail',
  )
  // One log line per incident: the worker's pid and the text it printed, quoted.
  assert.equal(stdoutLines.length, byKind('fwrite').length, dump(stdoutLines.slice(0, 3)))
  for (const l of stdoutLines) {
    assert.equal(typeof l['pid'], 'number')
    assert.equal(l.level, LEVEL.warn)
    assert.match(
      l.msg,
      /^worker wrote to stdout: "raw bytes on stdout mid-request\\n" \(then \d+ bytes of frames, discarded\)$/,
    )
  }
  assert.equal(exits.length, byKind('fwrite').length, 'each incident restarts its worker')
  for (const l of exits) assert.equal(l['code'], 'ERR_WORKER_STDOUT')
  assert.equal(echoed.length, byKind('echo').length, 'echo goes to the log, harmlessly')
  assert.deepEqual(left, [])
  assertHeapFlat(before, after)
  await stopLeavingNoPhp(server)
})

test('pool.debug returns the stray output to the client in the 500 body (capture mode)', async (t) => {
  const server = await startFaultServer(t, { script: 'garbage.php', pool: { debug: true } })
  const res = await fetch(`${server.base}/fwrite`)
  assert.equal(res.status, 500)
  const body = await res.text()
  assert.match(body, /raw bytes on stdout mid-request/)
  assert.match(body, /worker \d+ printed/)
  const ok = await fetch(`${server.base}/`)
  assert.equal(ok.status, 200)
  await ok.text()
  // Without debug the body stays empty (spec §4.9).
  const prod = await startFaultServer(t, { script: 'garbage.php', pool: { numWorkers: 1 } })
  const res2 = await fetch(`${prod.base}/fwrite`)
  assert.equal(res2.status, 500)
  assert.equal(await res2.text(), '')
})
