// Fault (f): clients that disconnect mid-request (before the answer, and in the middle of an upload)
// and mid-stream, mixed with clients that behave.

import assert from 'node:assert/strict'
import { connect } from 'node:net'
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
  summary,
  timeToFullStrength,
  type FaultServer,
  type RequestPlan,
} from '../helpers/load.ts'
import { waitFor } from '../helpers/process.ts'

/** fetch, then abort `afterMs` later (before the answer for a slow request). */
function abortedRequest(path: string, afterMs: number): RequestPlan {
  return {
    kind: 'abort-request',
    path,
    run: async (base, deadline) => {
      const ac = new AbortController()
      const timer = setTimeout(() => ac.abort(), afterMs)
      try {
        const res = await fetch(base + path, { signal: AbortSignal.any([ac.signal, deadline]) })
        await res.arrayBuffer()
        return { status: res.status, noWorkers: false, body: '' }
      } catch (err) {
        if (deadline.aborted) throw err
        return { status: 0, error: 'aborted', noWorkers: false, body: '' }
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** A long stream: read its head and first chunk, then go away. */
function abortedStream(path: string): RequestPlan {
  return {
    kind: 'abort-stream',
    path,
    run: async (base, deadline) => {
      const ac = new AbortController()
      const res = await fetch(base + path, { signal: AbortSignal.any([ac.signal, deadline]) })
      const reader = res.body!.getReader()
      const first = await reader.read()
      ac.abort()
      await reader.cancel().catch(() => {})
      return {
        status: first.done ? res.status : 0,
        error: first.done ? undefined : 'aborted',
        noWorkers: false,
        body: '',
      }
    },
  }
}

/** A whole stream, checked for its length. */
function fullStream(n: number, size: number): RequestPlan {
  return {
    kind: 'stream',
    path: `/stream?n=${n}&size=${size}`,
    run: async (base, deadline) => {
      const res = await fetch(`${base}/stream?n=${n}&size=${size}`, { signal: deadline })
      const body = Buffer.from(await res.arrayBuffer())
      const complete = body.length === n * size
      return {
        status: complete ? res.status : -1,
        noWorkers: false,
        body: complete ? '' : `${body.length} bytes`,
      }
    },
  }
}

/** A multipart upload that stops half way through the body; the socket is then destroyed. */
function abortedUpload(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const boundary = 'xYzZY'
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n${part}${'a'.repeat(5000)}`,
    )
    socket.on('error', () => {})
    setTimeout(() => {
      socket.destroy()
      resolve()
    }, 20)
  })
}

async function afterLoad(
  server: FaultServer,
): Promise<{ recoveryMs: number; left: number[]; exits: number }> {
  const recoveryMs = await timeToFullStrength(server.pool, server.settings.numWorkers, Date.now())
  const left = await orphans(server)
  const exits = server.lines.filter((l) => l.msg.startsWith('worker exited')).length
  return { recoveryMs, left, exits }
}

test('(f1) clients leaving mid-request and mid-upload: the others are served, no worker is lost', async (t) => {
  const server = await startFaultServer(t, { script: 'echo.php' })
  const plan = (i: number): RequestPlan =>
    i % 3 === 0
      ? abortedRequest(`/sleep?ms=40&i=${i}`, 5 + (i % 20))
      : { kind: 'normal', path: `/sleep?ms=5&i=${i}` }
  await runLoad({ base: server.base, concurrency: 12, durationMs: 500, deadlineMs: 8000, plan })
  const before = await memory()
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 4000,
    deadlineMs: 8000,
    plan,
  })
  // Uploads that stop half way: each request handler must still finish (and log its line).
  let logged = -1
  await waitFor('the aborted requests to settle', async () => {
    const n = server.httpLogLines()
    await new Promise((r) => setTimeout(r, 200))
    return n === server.httpLogLines() && (logged = n) >= 0
  })
  const UPLOADS = 20
  for (let i = 0; i < UPLOADS; i++) await abortedUpload(server.port)
  const uploadsDone = await waitFor(
    'every aborted upload to be handled',
    () => server.httpLogLines() >= logged + UPLOADS,
    3000,
  ).catch(() => false)
  const { recoveryMs, left, exits } = await afterLoad(server)
  const after = await memory()

  const normal = load.outcomes.filter((o) => o.kind === 'normal')
  summary(t, '(f1) disconnect mid-request / mid-upload', {
    ...loadFields(load),
    abortedUploadsHandled: `${server.httpLogLines() - logged}/${UPLOADS}`,
    workerExits: exits,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })
  assert.equal(
    load.answered,
    load.sent,
    'every request got a response or was aborted by its client',
  )
  assert.deepEqual(
    normal.filter((o) => o.status !== 200),
    [],
  )
  assert.ok(uploadsDone, 'a handler waited forever for the rest of an aborted upload')
  assert.equal(exits, 0, dump(server.lines.slice(0, 10)))
  assert.deepEqual(left, [])
  assertHeapFlat(before, after)
  await stopLeavingNoPhp(server)
})

test('(f2) clients leaving mid-stream: STOP and drain keep every worker, the others are served', async (t) => {
  const server = await startFaultServer(t, { script: 'stream.php' })
  const plan = (i: number): RequestPlan =>
    i % 3 === 0
      ? abortedStream(`/stream?n=5000&size=10000&i=${i}`)
      : i % 3 === 1
        ? fullStream(50, 1000)
        : { kind: 'normal', path: `/?i=${i}` }
  await runLoad({ base: server.base, concurrency: 12, durationMs: 500, deadlineMs: 8000, plan })
  const before = await memory()
  const load = await runLoad({
    base: server.base,
    concurrency: 12,
    durationMs: 4000,
    deadlineMs: 8000,
    plan,
  })
  const { recoveryMs, left, exits } = await afterLoad(server)
  const after = await memory()

  const kept = load.outcomes.filter((o) => o.kind !== 'abort-stream')
  const timeouts = server.lines.filter((l) => l['code'] === 'ERR_WORKER_STREAM_TIMEOUT')
  summary(t, '(f2) disconnect mid-stream', {
    ...loadFields(load),
    streamTimeoutKills: timeouts.length,
    workerExits: exits,
    backToFullMs: recoveryMs,
    orphans: left.length,
    ...memoryFields(before, after),
  })
  assert.equal(
    load.answered,
    load.sent,
    'every request got a response or was aborted by its client',
  )
  assert.deepEqual(
    kept.filter((o) => o.status !== 200),
    [],
  )
  assert.equal(exits, 0, 'no worker was killed: every cancelled stream ended within stream_timeout')
  assert.deepEqual(left, [])
  assertHeapFlat(before, after)
  await stopLeavingNoPhp(server)
})
