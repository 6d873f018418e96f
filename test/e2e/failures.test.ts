// bin/courser with workers that fail: mid-request kills and workers that cannot boot.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCourser, waitFor } from '../helpers/courser-process.ts'

const ECHO = ['serve', '-c', 'test/fixtures/configs/echo.rr.yaml']

test('a worker killed mid-request costs that one client a 5xx; the next request succeeds', async (t) => {
  const courser = await startCourser(ECHO)
  t.after(() => courser.stop())
  const base = `http://127.0.0.1:${courser.port}`
  const slow = fetch(`${base}/sleep?ms=3000`)
  // The busy worker is the one whose /pid answer never comes; kill both candidates' busy one by
  // asking the other for its pid.
  await new Promise((r) => setTimeout(r, 200))
  const idle = Number(await (await fetch(`${base}/pid`)).text())
  const busy = courser.workerPids().find((p) => p !== idle)
  assert.ok(busy, 'no busy worker found')
  process.kill(busy, 'SIGKILL')
  const res = await slow
  assert.equal(res.status, 500)
  await res.arrayBuffer()
  const next = await fetch(`${base}/hello`)
  assert.equal(next.status, 200)
  await next.arrayBuffer()
  assert.match(courser.output(), /ERR_WORKER_EXITED/)
})

const broken: [string, RegExp][] = [
  ['echo-at-boot.php', /hello from a careless bootstrap/],
  ['exit-at-boot.php', /code 7.*database unreachable|database unreachable.*code 7/],
  ['parse-error.php', /(Parse|syntax) error/i],
]

for (const [script, cause] of broken) {
  test(`a worker that cannot boot (${script}) is logged with its cause; the server keeps serving errors`, async (t) => {
    const courser = await startCourser([...ECHO, '-o', `server.command=php ../workers/${script}`])
    t.after(() => courser.stop())
    const base = `http://127.0.0.1:${courser.port}`
    assert.ok(
      await waitFor(() => cause.test(courser.output()), 5000),
      `no log line naming the cause:\n${courser.output()}`,
    )
    const started = Date.now()
    const res = await fetch(`${base}/`)
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('no-workers'), 'true')
    await res.arrayBuffer()
    assert.ok(Date.now() - started < 2000, 'the request hung instead of failing fast')
    // Retried with backoff: several attempts, each logged.
    assert.ok(
      await waitFor(() => (courser.output().match(/retryInMs/g) ?? []).length >= 3, 5000),
      'boot was not retried',
    )
    assert.equal(courser.child.exitCode, null, 'the server died')
  })
}
