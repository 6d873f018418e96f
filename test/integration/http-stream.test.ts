// Streamed responses end to end: real PHP worker (HttpWorker with a Generator), real HTTP client.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startHttp } from '../helpers/http.ts'
import { tempDir } from '../helpers/pool.ts'
import { waitFor } from '../helpers/courser-process.ts'

test('streamed responses', async (t) => {
  const h = await startHttp(t, { script: 'stream.php', pool: { numWorkers: 1 } })

  await t.test(
    'frames reach the client as chunks; status and headers from the first frame',
    async () => {
      const res = await fetch(`${h.base}/stream?n=3&size=4`)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('x-streamed'), 'yes')
      assert.equal(res.headers.get('transfer-encoding'), 'chunked')
      assert.equal(await res.text(), 'aaaabbbbcccc')
    },
  )

  await t.test(
    'a 20 MB stream arrives intact (PING/PONG every 5th frame is answered)',
    async () => {
      const res = await fetch(`${h.base}/stream?n=2000&size=10000`)
      const body = Buffer.from(await res.arrayBuffer())
      assert.equal(body.length, 20_000_000)
      assert.equal(body[0], 97)
      assert.equal(body[body.length - 1], 97 + (1999 % 26))
    },
  )

  await t.test(
    'a client that disconnects mid-stream stops the generator; the worker serves on',
    async () => {
      const pid = await (await fetch(`${h.base}/pid`)).text()
      const marker = join(tempDir(t), 'stopped')
      await new Promise<void>((resolve, reject) => {
        const req = get(`${h.base}/stream?n=100000&size=10000&marker=${marker}`, (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        })
        req.on('error', () => {})
        req.setTimeout(5000, () => reject(new Error('no data')))
      })
      assert.ok(await waitFor(() => existsSync(marker), 3000), 'the worker never saw STOP')
      assert.equal(readFileSync(marker, 'utf8'), 'stopped')
      const after = await fetch(`${h.base}/pid`)
      assert.equal(await after.text(), pid, 'the same worker should serve the next request')
    },
  )

  await t.test('103 Early Hints are forwarded before the final response', async () => {
    const hints: Record<string, unknown>[] = []
    const body = await new Promise<string>((resolve, reject) => {
      const req = get(`${h.base}/hints`, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve(text))
      })
      req.on('information', (info) => hints.push({ status: info.statusCode, ...info.headers }))
      req.on('error', reject)
    })
    assert.equal(body, 'after hints')
    assert.equal(hints.length, 1)
    assert.equal(hints[0]!.status, 103)
    assert.equal(hints[0]!.link, '</app.css>; rel=preload; as=style')
  })
})
