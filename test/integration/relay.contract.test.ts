// One contract, three relays: everything a pool promises must hold for pipes, TCP and unix sockets.

import assert from 'node:assert/strict'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import type { Pool } from '../../src/pool/index.ts'
import { parseEcho, pidOf, relayFor, request, startPool } from '../helpers/pool.ts'
import { isAlive, settle, waitFor } from '../helpers/process.ts'

const RELAYS = ['pipes', 'tcp', 'unix'] as const

/** Waits until the pool has `n` idle workers again (after a replacement). */
async function readyWorkers(pool: Pool, n: number): Promise<void> {
  await waitFor(`${n} ready workers`, () => {
    const s = pool.stats()
    return s.ready === n && s.spawning === 0
  })
}

/** A unique marker for echo.php's /stop-once; its file is removed when the test ends. */
function stopOnceMarker(t: TestContext): string {
  const id = `m=${randomUUID()}`
  t.after(() => rmSync(join(tmpdir(), `courser-stop-${id}`), { force: true }))
  return id
}

for (const kind of RELAYS) {
  describe(`relay contract: ${kind}`, () => {
    test('workers boot, complete the pid handshake and report their real pid', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind), settings: { numWorkers: 2 } })
      const listed = pool.list()
      assert.equal(listed.length, 2)
      for (const w of listed) {
        assert.equal(w.state, 'ready')
        assert.ok(w.pid > 0 && isAlive(w.pid), `pid ${w.pid} is alive`)
      }
      const { workers, ready, busy, queued, spawning } = pool.stats()
      assert.deepEqual(
        { workers, ready, busy, queued, spawning },
        {
          workers: 2,
          ready: 2,
          busy: 0,
          queued: 0,
          spawning: 0,
        },
      )
      // The pid PHP reports (getmypid) is one of the processes the pool spawned.
      const seen = new Set<number>()
      for (let i = 0; i < 4; i++) seen.add(await pidOf(pool))
      for (const pid of seen)
        assert.ok(
          listed.some((w) => w.pid === pid),
          `pid ${pid} listed`,
        )
    })

    test('exec round trip: context reaches PHP, a 5 MB binary body comes back intact', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind) })
      const echo = parseEcho((await pool.exec(request('/hello?x=1', 'abc'))).body)
      assert.equal(echo.body, 'abc')
      assert.equal(echo.context['uri'], 'http://localhost/hello?x=1')
      assert.equal(echo.context['rawQuery'], 'x=1')

      const body = randomBytes(5 * 1024 * 1024)
      const payload = await pool.exec(request('/raw', body))
      const ctx = JSON.parse(payload.context.toString()) as {
        status: number
        headers: Record<string, string[]>
      }
      assert.equal(ctx.status, 200)
      // What PHP received, hashed by PHP...
      assert.equal(ctx.headers['X-Length']?.[0], String(body.length))
      assert.equal(ctx.headers['X-Sha256']?.[0], createHash('sha256').update(body).digest('hex'))
      // ...and what came back.
      assert.equal(payload.body.length, body.length)
      assert.ok(payload.body.equals(body), 'response body differs from the request body')
    })

    test('a soft error frame fails that exec and keeps the worker', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind) })
      const before = await pidOf(pool)
      await assert.rejects(pool.exec(request('/error')), (err) => {
        assert.ok(isCourserError(err, 'ERR_WORKER_SOFT_ERROR'), String(err))
        // The message IS the contract here: it carries what the worker said.
        assert.match(err.message, /boom from worker/)
        return true
      })
      assert.equal(await pidOf(pool), before, 'the same worker answers the next request')
      assert.equal(pool.stats().workers, 1)
    })

    test('a worker exiting mid-request rejects that exec with ERR_WORKER_EXITED and is replaced', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind) })
      const before = await pidOf(pool)
      await assert.rejects(pool.exec(request('/exit')), (err) =>
        isCourserError(err, 'ERR_WORKER_EXITED'),
      )
      await readyWorkers(pool, 1)
      const after = await pidOf(pool)
      assert.notEqual(after, before)
      assert.equal(isAlive(before), false)
    })

    test('a worker-initiated stop re-runs the request transparently on another worker', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind) })
      const before = await pidOf(pool)
      const marker = stopOnceMarker(t)
      const echo = parseEcho((await pool.exec(request(`/stop-once?${marker}`, 'again'))).body)
      assert.equal(echo.body, 'again')
      assert.equal(echo.context['rawQuery'], marker)
      assert.notEqual(echo.pid, before, 'answered by the replacement')
      await waitFor('the stopped worker to exit', () => !isAlive(before))
      assert.equal(pool.stats().workers, 1)
    })

    test('reset replaces every worker without failing in-flight requests', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind), settings: { numWorkers: 2 } })
      const oldPids = pool.list().map((w) => w.pid)
      let stop = false
      let done = 0
      const failures: unknown[] = []
      const client = async (): Promise<void> => {
        while (!stop) {
          const r = await settle(pool.exec(request('/sleep?ms=15', 'x')))
          if (r.ok) done++
          else failures.push(r.error)
        }
      }
      const clients = Array.from({ length: 6 }, () => client())
      await waitFor('requests in flight', () => pool.stats().busy === 2)
      const queuedAtReset = pool.stats().queued
      await pool.reset()
      const afterReset = done
      // Keep the load on until the new workers have served too.
      await waitFor('requests served by the new workers', () => done >= afterReset + 6)
      stop = true
      await Promise.all(clients)

      assert.deepEqual(failures, [])
      assert.ok(queuedAtReset > 0, 'requests were queued while reset ran')
      const newPids = pool.list().map((w) => w.pid)
      assert.equal(newPids.length, 2)
      for (const pid of newPids) assert.ok(!oldPids.includes(pid), `pid ${pid} is new`)
      for (const pid of oldPids) {
        await waitFor(`old worker ${pid} to exit`, () => !isAlive(pid))
      }
    })

    test('destroy leaves no PHP process alive', async (t) => {
      const { pool } = await startPool(t, { relay: relayFor(t, kind), settings: { numWorkers: 3 } })
      const pids = pool.list().map((w) => w.pid)
      // One worker busy during destroy: it finishes, then goes too.
      const busy = pool.exec(request('/sleep?ms=100'))
      await waitFor('a busy worker', () => pool.stats().busy === 1)
      await pool.destroy()
      const r = await settle(busy)
      assert.ok(r.ok, `the in-flight request completed: ${r.ok ? '' : String(r.error)}`)
      for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`)
      assert.equal(pool.stats().workers, 0)
      await assert.rejects(pool.exec(request('/pid')), (err) =>
        isCourserError(err, 'ERR_POOL_DESTROYED'),
      )
    })
  })
}
