// Response shaping against a real PHP worker: trailers, unusual and invalid status codes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { connect } from 'node:net'
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

  await t.test(
    'large bodies (recycled frame memory) come back intact under concurrency, in 2 workers',
    async () => {
      const h2 = await startHttp(t, { pool: { numWorkers: 2 } })
      let seed = 1
      const body = (n: number): Buffer => {
        const b = Buffer.allocUnsafe(n)
        for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
        return b
      }
      for (let round = 0; round < 6; round++) {
        const sent = Array.from({ length: 8 }, (_, i) => body(70_000 + i * 110_000 + round))
        const got = await Promise.all(
          sent.map(async (b) => {
            const res = await fetch(`${h2.base}/raw`, { method: 'POST', body: b })
            return Buffer.from(await res.arrayBuffer())
          }),
        )
        got.forEach((g, i) => assert.ok(g.equals(sent[i]!), `round ${round}, body ${i}`))
      }
    },
  )

  await t.test(
    'a client that reads slowly gets its own bytes, while the same memory class serves others',
    async () => {
      const h2 = await startHttp(t, { pool: { numWorkers: 2 }, body: { maxBytes: 16_000_000 } })
      // Larger than what loopback's socket buffers absorb, so the server's write of it stays queued.
      const size = 8_000_000
      const slowBody = Buffer.alloc(size, 0x73) // 's'
      const sock = connect(Number(new URL(h2.base).port), '127.0.0.1')
      sock.pause() // nothing is read: the server's write stays queued
      sock.write(
        `POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
      )
      sock.write(slowBody)
      await new Promise((resolve) => setTimeout(resolve, 300))
      for (let i = 0; i < 12; i++) {
        const other = Buffer.alloc(size, 0x61 + (i % 20))
        const res = await fetch(`${h2.base}/raw`, { method: 'POST', body: other })
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(other), `request ${i}`)
      }
      const chunks: Buffer[] = []
      sock.on('data', (c: Buffer) => chunks.push(c))
      await new Promise((resolve) => sock.on('end', resolve).resume())
      const raw = Buffer.concat(chunks)
      const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4)
      assert.equal(body.length, size)
      assert.ok(body.equals(slowBody), 'the slow client got its own body, not a later one')
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
