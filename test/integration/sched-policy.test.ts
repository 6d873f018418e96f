// server.sched_policy: workers start under SCHED_BATCH through chrt, keeping their own pid.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import { schedBatchAvailable } from '../../src/worker/index.ts'
import { pidOf, relayFor, request, startPool } from '../helpers/pool.ts'

const SCHED_OTHER = 0
const SCHED_BATCH = 3

/** The policy and the executable name of a process, from /proc. */
function sched(pid: number): { policy: number; comm: string } {
  const m = /^policy\s*:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/sched`, 'utf8'))
  assert.ok(m, `no policy line in /proc/${pid}/sched`)
  return { policy: Number(m[1]), comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() }
}

describe('server.sched_policy', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  test('chrt is usable on this machine (Debian: util-linux)', async () => {
    assert.equal(await schedBatchAvailable(), true)
  })

  for (const relay of ['pipes', 'tcp'] as const) {
    test(`batch: the worker answering over ${relay} is the php process itself, under SCHED_BATCH`, async (t) => {
      const { pool } = await startPool(t, { schedPolicy: 'batch', relay: relayFor(t, relay) })
      const pid = await pidOf(pool)
      assert.deepEqual(sched(pid), { policy: SCHED_BATCH, comm: 'php' })
      assert.deepEqual(
        pool.list().map((w) => w.pid),
        [pid],
      )
    })
  }

  test('normal: the worker keeps the default policy', async (t) => {
    const { pool } = await startPool(t, { schedPolicy: 'normal' })
    assert.deepEqual(sched(await pidOf(pool)), { policy: SCHED_OTHER, comm: 'php' })
  })

  test('batch with a missing executable fails the boot naming the command, not chrt', async (t) => {
    const { pool, lines } = await startPool(t, {
      schedPolicy: 'batch',
      command: ['no-such-php-binary', 'worker.php'],
      start: false,
    })
    await pool.start()
    await assert.rejects(pool.exec(request('/')), (err) => {
      assert.ok(isCourserError(err, 'ERR_POOL_BOOT_FAILING'), String(err))
      assert.match((err as Error).message, /cannot execute "no-such-php-binary worker\.php"/)
      return true
    })
    assert.ok(!lines.some((l) => /chrt/.test(l.msg)), 'no log line mentions chrt')
  })
})
