import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  canonicalHeaderKey,
  cookiesJson,
  headersJson,
} from '../../../src/plugins/http/request-context.ts'

describe('canonicalHeaderKey (Go CanonicalMIMEHeaderKey)', () => {
  test('upper-cases the first letter and every letter after a dash, lower-cases the rest', () => {
    const cases: [string, string][] = [
      ['content-type', 'Content-Type'],
      ['CONTENT-LENGTH', 'Content-Length'],
      ['x-forwarded-for', 'X-Forwarded-For'],
      ['WWW-Authenticate', 'Www-Authenticate'],
      ['accept', 'Accept'],
      ['x-1-abc', 'X-1-Abc'],
      ['a--b', 'A--B'],
      ['foo_bar', 'Foo_bar'],
      ['-x', '-X'],
    ]
    for (const [input, want] of cases) assert.equal(canonicalHeaderKey(input), want, input)
  })

  test('keys with bytes outside the token set stay as sent', () => {
    for (const odd of ['bad key', 'x:y', 'é-tag', 'a"b']) {
      assert.equal(canonicalHeaderKey(odd), odd)
    }
  })

  test('the answer is stable on repeated calls (cache)', () => {
    assert.equal(canonicalHeaderKey('x-cached-key'), 'X-Cached-Key')
    assert.equal(canonicalHeaderKey('x-cached-key'), 'X-Cached-Key')
  })
})

describe('headersJson', () => {
  test('drops Host and Transfer-Encoding, keeps Cookie, merges repeated names in order', () => {
    const raw = [
      'Host',
      'example.com',
      'transfer-encoding',
      'chunked',
      'accept',
      'text/html',
      'X-Multi',
      'a',
      'Cookie',
      'a=1',
      'x-multi',
      'b',
      'ACCEPT',
      '*/*',
    ]
    assert.equal(
      headersJson(raw),
      '{"Accept":["text/html","*/*"],"X-Multi":["a","b"],"Cookie":["a=1"]}',
    )
  })

  test('no headers gives {}; values are JSON-escaped', () => {
    assert.equal(headersJson([]), '{}')
    const json = headersJson(['x-q', 'say "hi"\\'])
    assert.deepEqual(JSON.parse(json), { 'X-Q': ['say "hi"\\'] })
  })
})

describe('cookiesJson', () => {
  test('no header gives {}', () => {
    assert.equal(cookiesJson(undefined), '{}')
    assert.equal(cookiesJson(''), '{}')
  })

  test('values are URL-unescaped (QueryUnescape: + is a space)', () => {
    assert.deepEqual(JSON.parse(cookiesJson('a=b%20c; d=e+f; g=%E2%82%AC')), {
      a: 'b c',
      d: 'e f',
      g: '€',
    })
  })

  test('undecodable values are dropped, the rest kept', () => {
    assert.deepEqual(JSON.parse(cookiesJson('good=1; bad=%zz; worse=%E2%82; also=2')), {
      good: '1',
      also: '2',
    })
  })

  test('quoted values lose their quotes; parts without = or a name are skipped', () => {
    assert.deepEqual(JSON.parse(cookiesJson('q="x y"; novalue; =orphan; e=')), {
      q: 'x y',
      e: '',
    })
  })
})

test('UTF-8 header bytes (which Node hands over as Latin-1) reach the worker as UTF-8', () => {
  const asNodeSeesIt = Buffer.from('Zoë — ✓', 'utf8').toString('latin1')
  const json = headersJson(['X-Name', asNodeSeesIt, 'X-Plain', 'ascii'])
  assert.deepEqual(JSON.parse(json), { 'X-Name': ['Zoë — ✓'], 'X-Plain': ['ascii'] })
  // Bytes that are not UTF-8 become U+FFFD rather than mojibake.
  const invalid = Buffer.from([0x61, 0xff, 0x62]).toString('latin1')
  assert.deepEqual(JSON.parse(headersJson(['X-Bad', invalid])), { 'X-Bad': ['a\uFFFDb'] })
})
