// The server dies without a chance to clean up (SIGKILL): its PHP workers notice the closed relay
// and exit on their own, so nothing is orphaned.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isAlive, startCourser, waitFor } from '../helpers/courser-process.ts'

for (const relay of ['pipes', 'tcp://127.0.0.1:0']) {
  test(`SIGKILL of the server leaves no PHP worker behind (relay ${relay})`, async (t) => {
    const courser = await startCourser([
      'serve',
      '-c',
      'test/fixtures/configs/echo.rr.yaml',
      '-o',
      `server.relay=${relay}`,
    ])
    t.after(() => courser.stop())
    const res = await fetch(`http://127.0.0.1:${courser.port}/pid`)
    assert.equal(res.status, 200)
    await res.arrayBuffer()
    const pids = courser.workerPids()
    assert.equal(pids.length, 2)
    courser.child.kill('SIGKILL')
    assert.ok(
      await waitFor(() => pids.every((p) => !isAlive(p)), 3000),
      `workers still alive after the server was killed: ${pids.filter(isAlive).join(', ')}`,
    )
  })
}
