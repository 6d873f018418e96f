// CORS config → matching and options (RoadRunner's rs/cors semantics on the cors package).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { corsOptions, originCheck } from '../../../src/plugins/http/middleware/headers.ts'

describe('headers.cors', () => {
  test('originCheck: *, exact (case-insensitive), one wildcard, regex wins', () => {
    assert.equal(originCheck({}), '*')
    assert.equal(originCheck({ allowed_origin: 'https://a.test, *' }), '*')
    const list = originCheck({ allowed_origin: 'https://a.test, https://*.b.test' })
    assert.notEqual(list, '*')
    if (list === '*') return
    assert.equal(list('https://a.test'), true)
    assert.equal(list('HTTPS://A.TEST'), true)
    assert.equal(list('https://x.b.test'), true)
    assert.equal(list('https://b.test'), false)
    assert.equal(list('https://a.test.evil'), false)
    const re = originCheck({
      allowed_origin: 'https://a.test',
      allowed_origin_regex: '^https://foo',
    })
    if (re === '*') return assert.fail()
    assert.equal(re('https://foo.test'), true)
    assert.equal(re('https://a.test'), false)
  })

  test('corsOptions: rs/cors defaults, credentials reflect the origin instead of *', () => {
    const d = corsOptions({})
    assert.equal(d.origin, '*')
    assert.deepEqual(d.methods, ['GET', 'POST', 'HEAD'])
    assert.deepEqual(d.allowedHeaders, ['Origin', 'Accept', 'Content-Type', 'X-Requested-With'])
    assert.equal(d.optionsSuccessStatus, 200)
    const c = corsOptions({
      allowed_origin: '*',
      allow_credentials: true,
      allowed_headers: '*',
      allowed_methods: 'get,put',
      exposed_headers: 'X-A, X-B',
      max_age: 60,
      options_success_status: 204,
    })
    assert.equal(c.origin, true)
    assert.equal(c.allowedHeaders, undefined, '* reflects the requested headers')
    assert.deepEqual(c.methods, ['GET', 'PUT'])
    assert.deepEqual(c.exposedHeaders, ['X-A', 'X-B'])
    assert.equal(c.maxAge, 60)
    assert.equal(c.optionsSuccessStatus, 204)
  })
})
