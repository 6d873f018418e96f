// The same HTTP behaviour whether the worker uses Courser's PHP library or RoadRunner's
// spiral/roadrunner-http (when a local checkout is named by COURSER_RR_PHP_AUTOLOAD; skipped otherwise).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startHttp } from '../helpers/http.ts'

const rrAutoload = process.env.COURSER_RR_PHP_AUTOLOAD
const libraries: { lib: string; skip: string | false }[] = [
  { lib: 'courser', skip: false },
  {
    lib: 'rr',
    skip: rrAutoload
      ? false
      : 'RoadRunner PHP libraries not available (set COURSER_RR_PHP_AUTOLOAD to their autoloader)',
  },
]

interface Echo {
  lib: string
  method: string
  uri: string
  protocol: string
  query: Record<string, unknown>
  cookies: Record<string, string>
  parsed: unknown
  body: string
  uploads: Record<string, { name: string; size: number; error: number; content: string | null }>
  accept: string
  remote: string
}

for (const { lib, skip } of libraries) {
  test(`PSR-7 worker on ${lib}'s PHP library`, { skip }, async (t) => {
    const h = await startHttp(t, {
      command: ['env', `WORKER_LIB=${lib}`, 'php', 'test/fixtures/workers/psr7.php'],
      pool: { numWorkers: 2 },
    })

    await t.test('GET: method, absolute uri, query, cookies, headers, remote address', async () => {
      const res = await fetch(`${h.base}/a/b?x=1&y[]=2`, {
        headers: { cookie: 'sid=a%20b; bad=%zz', accept: 'text/plain' },
      })
      assert.equal(res.status, 201)
      assert.deepEqual(res.headers.get('x-multi'), 'a, b')
      const body = (await res.json()) as Echo
      assert.equal(body.lib, lib)
      assert.equal(body.method, 'GET')
      assert.equal(body.uri, `${h.base}/a/b?x=1&y%5B%5D=2`)
      assert.deepEqual(body.query, { x: '1', y: ['2'] })
      assert.deepEqual(body.cookies, { sid: 'a b' })
      assert.equal(body.accept, 'text/plain')
      assert.equal(body.remote, '127.0.0.1')
      assert.equal(body.protocol, '1.1')
    })

    await t.test('urlencoded form: parsed body tree', async () => {
      const res = await fetch(`${h.base}/form`, {
        method: 'POST',
        body: new URLSearchParams('a=1&b[]=2&b[]=3&c[x]=4'),
      })
      const body = (await res.json()) as Echo
      assert.deepEqual(body.parsed, { a: '1', b: ['2', '3'], c: { x: '4' } })
    })

    await t.test(
      'multipart: fields parsed, files as UploadedFile, forbidden extension flagged',
      async () => {
        const form = new FormData()
        form.append('title', 'hello')
        form.append('doc', new Blob(['file content']), 'doc.txt')
        form.append('evil', new Blob(['<?php']), 'evil.php')
        const res = await fetch(`${h.base}/upload`, { method: 'POST', body: form })
        const body = (await res.json()) as Echo
        assert.deepEqual(body.parsed, { title: 'hello' })
        assert.deepEqual(body.uploads.doc, {
          name: 'doc.txt',
          size: 12,
          error: 0,
          content: 'file content',
        })
        assert.equal(body.uploads.evil?.error, 8)
      },
    )

    await t.test('JSON body passed raw', async () => {
      const res = await fetch(`${h.base}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"k":[1,2]}',
      })
      const body = (await res.json()) as Echo
      assert.equal(body.body, '{"k":[1,2]}')
    })

    await t.test('an exception becomes an error frame: 500, empty body, worker kept', async () => {
      const pidBefore = await (await fetch(`${h.base}/pid`)).text()
      const res = await fetch(`${h.base}/error`)
      assert.equal(res.status, 500)
      assert.equal(await res.text(), '')
      const pids = new Set([pidBefore])
      for (let i = 0; i < 4; i++) pids.add(await (await fetch(`${h.base}/pid`)).text())
      assert.ok(pids.size <= 2, 'a worker was replaced after a soft error')
    })

    await t.test(
      'a Generator body streams; a client leaving mid-stream does not cost the worker',
      async () => {
        const res = await fetch(`${h.base}/stream?n=30`)
        const text = await res.text()
        assert.equal(text.length, 30_000)
        assert.equal(text.slice(29_000, 29_001), String.fromCharCode(97 + (29 % 26)))
        const ac = new AbortController()
        const long = await fetch(`${h.base}/stream?n=1000000`, { signal: ac.signal })
        const reader = long.body!.getReader()
        await reader.read()
        ac.abort()
        await reader.cancel().catch(() => {})
        for (let i = 0; i < 4; i++) {
          const ok = await fetch(`${h.base}/pid`)
          assert.equal(ok.status, 200)
          await ok.arrayBuffer()
        }
      },
    )

    await t.test('Worker::stop() re-runs the request on another worker', async () => {
      const marker = `${lib}-${process.pid}-${Date.now()}`
      // The fixture marks its first stop with this file; remove it when the test ends.
      t.after(() => rmSync(join(tmpdir(), `courser-psr7-stop-${marker}`), { force: true }))
      const res = await fetch(`${h.base}/stop?m=${marker}`)
      assert.equal(res.status, 201)
      const body = (await res.json()) as Echo
      assert.equal(body.lib, lib)
    })
  })
}
