// readRequestBody against real requests on a real node:http server: a request that cannot carry a
// body is answered synchronously (no promise, no stream listeners on the hot path), every other
// request is read as before.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import {
  readRequestBody,
  type BodyOptions,
  type RequestBody,
} from '../../../src/plugins/http/request-body.ts'
import { rawRequest } from '../../helpers/http.ts'

const OPTS: BodyOptions = {
  maxBytes: 1024,
  rawBody: false,
  uploadsDir: '/tmp',
  forbid: [],
  allow: [],
}

interface Seen {
  sync: boolean
  result: RequestBody
}

/** Sends one request and returns what readRequestBody made of it on the server side. */
async function read(
  t: TestContext,
  request: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer[] | string },
  opts: BodyOptions = OPTS,
): Promise<Seen> {
  let seen: Seen | undefined
  const server = createServer((req: IncomingMessage, res) => {
    const out = readRequestBody(req, opts, [])
    const sync = !(out instanceof Promise)
    void Promise.resolve(out).then(
      (result) => {
        seen = { sync, result }
        res.end('ok')
      },
      (err: Error) => {
        res.statusCode = 500
        res.end(err.message)
      },
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const res = await rawRequest({ port, path: '/' }, request)
  assert.equal(res.status, 200, res.body.toString())
  assert.ok(seen)
  return seen
}

describe('readRequestBody', () => {
  test('a GET without Content-Length or Transfer-Encoding is answered synchronously, empty', async (t) => {
    const seen = await read(t, { method: 'GET' })
    assert.equal(seen.sync, true)
    assert.deepEqual(seen.result, { body: Buffer.alloc(0), parsed: false, uploads: 'null' })
  })

  test('Content-Length: 0 without a content type is the synchronous empty body too', async (t) => {
    const seen = await read(t, { method: 'POST', headers: { 'content-length': '0' } })
    assert.equal(seen.sync, true)
    assert.equal(seen.result.body.length, 0)
  })

  test('an empty urlencoded form still arrives parsed (it takes the reading path)', async (t) => {
    const seen = await read(t, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': '0',
      },
    })
    assert.equal(seen.sync, false)
    assert.equal(seen.result.parsed, true)
    assert.equal(seen.result.body.toString(), '{}')
  })

  test('a GET that does carry a body has it read', async (t) => {
    const seen = await read(t, {
      method: 'GET',
      headers: { 'content-length': '5' },
      body: 'hello',
    })
    assert.equal(seen.sync, false)
    assert.equal(seen.result.body.toString(), 'hello')
  })

  test('a chunked body (no Content-Length) is read to its end', async (t) => {
    const seen = await read(t, {
      method: 'POST',
      body: ['ab', 'cd', 'ef'].map((s) => Buffer.from(s)),
    })
    assert.equal(seen.sync, false)
    assert.equal(seen.result.body.toString(), 'abcdef')
  })

  test('with raw_body a content type alone does not force the reading path', async (t) => {
    const seen = await read(
      t,
      { method: 'DELETE', headers: { 'content-type': 'application/json' } },
      { ...OPTS, rawBody: true },
    )
    assert.equal(seen.sync, true)
    assert.equal(seen.result.body.length, 0)
  })
})
