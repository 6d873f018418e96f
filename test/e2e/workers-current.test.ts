// `courser workers` shows the request each busy worker is executing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ROOT, freePort, startCourser, waitFor } from '../helpers/courser-process.ts'

const run = promisify(execFile)

test('courser workers lists the request in flight per worker', async (t) => {
  const rpc = `tcp://127.0.0.1:${await freePort()}`
  const courser = await startCourser([
    'serve',
    '-c',
    'test/fixtures/configs/echo.rr.yaml',
    '-o',
    `rpc.listen=${rpc}`,
  ])
  t.after(() => courser.stop())
  const slow = fetch(`http://127.0.0.1:${courser.port}/sleep?ms=1500`)
  let table = ''
  const seen = await waitFor(() => false, 200).then(async () => {
    const { stdout } = await run(
      process.execPath,
      [`${ROOT}bin/courser`, 'workers', '-o', `rpc.listen=${rpc}`],
      { cwd: ROOT },
    )
    table = stdout
    return /GET \/sleep\?ms=1500 \(\d+ ms\)/.test(stdout)
  })
  assert.ok(seen, table)
  assert.match(table, /REQUEST/)
  const res = await slow
  assert.equal(res.status, 200)
  await res.arrayBuffer()
})
