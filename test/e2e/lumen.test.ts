// bin/courser serving the bundled Lumen example, driven over real HTTP.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ROOT, freePort, isAlive, startCourser, waitFor } from '../helpers/courser-process.ts'

const run = promisify(execFile)

test('serves the Lumen example and survives worker kills', async (t) => {
  const [rpcPort, metricsPort, statusPort] = [await freePort(), await freePort(), await freePort()]
  const rpc = `tcp://127.0.0.1:${rpcPort}`
  const courser = await startCourser([
    'serve',
    '-c',
    'examples/lumen/.rr.yaml',
    '-o',
    'http.address=127.0.0.1:0',
    '-o',
    'http.pool.num_workers=2',
    '-o',
    `rpc.listen=${rpc}`,
    '-o',
    `metrics.address=127.0.0.1:${metricsPort}`,
    '-o',
    `status.address=127.0.0.1:${statusPort}`,
  ])
  t.after(() => courser.stop())
  const base = `http://127.0.0.1:${courser.port}`

  await t.test('GET / answers with the Lumen version', async () => {
    const res = await fetch(`${base}/`)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'Lumen (8.3.4) (Laravel Components ^8.0)')
  })

  await t.test('GET /hello/bob answers JSON', async () => {
    const res = await fetch(`${base}/hello/bob`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    assert.deepEqual(await res.json(), { hello: 'bob' })
  })

  await t.test('POST /form gets the parsed fields', async () => {
    const res = await fetch(`${base}/form`, {
      method: 'POST',
      body: new URLSearchParams('name=alice&tags[]=a&tags[]=b'),
    })
    assert.equal(res.status, 200)
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.name, 'alice')
    assert.deepEqual(body.tags, ['a', 'b'])
  })

  await t.test('POST /upload sees the uploaded file', async () => {
    const form = new FormData()
    form.append('doc', new Blob(['hello upload']), 'hello.txt')
    const res = await fetch(`${base}/upload`, { method: 'POST', body: form })
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.match(text, /hello\.txt/)
    assert.match(text, /"size":12/)
  })

  await t.test('an unknown route is a Lumen 404', async () => {
    const res = await fetch(`${base}/no/such/route`)
    assert.equal(res.status, 404)
    await res.arrayBuffer()
  })

  await t.test('courser workers lists the pids ps shows; /ready and /metrics answer', async () => {
    const { stdout } = await run(
      process.execPath,
      [`${ROOT}bin/courser`, 'workers', '-c', 'examples/lumen/.rr.yaml', '-o', `rpc.listen=${rpc}`],
      { cwd: ROOT },
    )
    const listed = [...stdout.matchAll(/^\|\s+(\d+) \| /gm)].map((m) => Number(m[1]))
    assert.deepEqual(listed.sort(), courser.workerPids().sort(), stdout)
    const ready = await fetch(`http://127.0.0.1:${statusPort}/ready`)
    assert.equal(ready.status, 200)
    await ready.arrayBuffer()
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    assert.match(metrics, /^rr_http_total_workers 2$/m)
  })

  await t.test(
    'a worker killed while idle is replaced within a second, unseen by clients',
    async () => {
      const before = courser.workerPids()
      assert.equal(before.length, 2)
      process.kill(before[0]!, 'SIGKILL')
      const replaced = await waitFor(() => {
        const now = courser.workerPids()
        return now.length === 2 && !now.includes(before[0]!)
      }, 1000)
      assert.ok(replaced, `worker not replaced within 1 s: ${courser.workerPids().join(',')}`)
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${base}/hello/x${i}`)
        assert.equal(res.status, 200)
        await res.arrayBuffer()
      }
    },
  )

  await t.test('SIGTERM stops the server and every PHP worker', async () => {
    const pids = courser.workerPids()
    assert.ok(pids.length > 0)
    const code = await courser.stop()
    assert.equal(code, 0)
    assert.ok(
      await waitFor(() => pids.every((p) => !isAlive(p)), 2000),
      'a PHP worker outlived the server',
    )
  })
})
