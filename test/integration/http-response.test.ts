// Response shaping against a real PHP worker: trailers, unusual and invalid status codes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { startHttp } from '../helpers/http.ts'

test('response shaping', async (t) => {
  const h = await startHttp(t)

  await t.test(
    'headers named in Trailer are sent as HTTP trailers after a chunked body',
    async () => {
      const result = await new Promise<{
        body: string
        trailers: NodeJS.Dict<string>
        te?: string
      }>((resolve, reject) => {
        get(`${h.base}/trailers`, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => (body += c))
          res.on('end', () =>
            resolve({ body, trailers: res.trailers, te: res.headers['transfer-encoding'] }),
          )
          assert.equal(res.headers['x-checksum'], undefined)
          assert.equal(res.headers.trailer, 'X-Checksum')
        }).on('error', reject)
      })
      assert.equal(result.body, 'body')
      assert.equal(result.te, 'chunked')
      assert.equal(result.trailers['x-checksum'], 'abc123')
    },
  )

  await t.test('a status Node has no name for is still written', async () => {
    const res = await fetch(`${h.base}/weird-status`)
    assert.equal(res.status, 299)
    assert.equal(await res.text(), 'odd')
  })

  await t.test('a status outside 100-599 becomes a 500 naming it, as RoadRunner does', async () => {
    const res = await fetch(`${h.base}/bad-status`)
    assert.equal(res.status, 500)
    assert.equal(await res.text(), 'unknown status code from worker: 700')
  })

  await t.test('normal responses carry Content-Length, not chunked encoding', async () => {
    const res = await fetch(`${h.base}/status`)
    assert.equal(res.status, 418)
    assert.equal(res.headers.get('content-length'), '6')
    assert.equal(res.headers.get('transfer-encoding'), null)
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2'])
    assert.equal(await res.text(), 'teapot')
  })
})
