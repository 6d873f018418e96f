// parseResponseContext keeps decoded heads by their text: a repeat must decode exactly as the first
// time, and each caller gets a header list of its own (writeResponse appends to it).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Flag, type Payload } from '../../../src/protocol/index.ts'
import { parseResponseContext } from '../../../src/plugins/http/response.ts'

function payload(context: string): Payload {
  return { context: Buffer.from(context), body: Buffer.alloc(0), codec: Flag.CODEC_JSON, stream: 0 }
}

describe('parseResponseContext', () => {
  const text = '{"status":201,"headers":{"Content-Type":["text/plain"],"X-Two":["a","b"]}}'

  test('a head seen before decodes to the same status and headers', () => {
    const first = parseResponseContext(payload(text))
    const again = parseResponseContext(payload(text))
    const want = {
      status: 201,
      headers: ['Content-Type', 'text/plain', 'X-Two', 'a', 'X-Two', 'b'],
    }
    assert.deepEqual(first, want)
    assert.deepEqual(again, want)
  })

  test('every call returns a header list of its own', () => {
    const a = parseResponseContext(payload(text))
    a.headers.push('Content-Length', '0')
    a.headers.splice(0, 2)
    const b = parseResponseContext(payload(text))
    assert.deepEqual(b.headers, ['Content-Type', 'text/plain', 'X-Two', 'a', 'X-Two', 'b'])
    assert.notEqual(a.headers, b.headers)
  })

  test('thousands of different heads (a changing cookie) decode right while the cache turns over', () => {
    for (let i = 0; i < 3000; i++) {
      const got = parseResponseContext(
        payload(`{"status":200,"headers":{"Set-Cookie":["id=${i}"]}}`),
      )
      assert.deepEqual(got, { status: 200, headers: ['Set-Cookie', `id=${i}`] })
    }
    assert.equal(parseResponseContext(payload(text)).status, 201)
  })

  test('a context that is not JSON is ERR_HTTP_BAD_RESPONSE, every time (errors are not cached)', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => parseResponseContext(payload('{nope')), {
        code: 'ERR_HTTP_BAD_RESPONSE',
      })
    }
  })
})
