import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isCourserError } from '../../../src/errors.ts'
import {
  buildTree,
  groupByKey,
  splitKey,
  treeToJson,
  type UploadLeaf,
} from '../../../src/plugins/http/data-tree.ts'

/** What the http plugin does for an urlencoded body: the last value wins for a plain key. */
function form(body: string): string {
  return treeToJson(buildTree(groupByKey(new URLSearchParams(body)), (v) => v[v.length - 1]!))
}

describe('splitKey', () => {
  test('PHP-style brackets', () => {
    assert.deepEqual(splitKey('a'), ['a'])
    assert.deepEqual(splitKey('a[b][c]'), ['a', 'b', 'c'])
    assert.deepEqual(splitKey('a[]'), ['a', ''])
    assert.deepEqual(splitKey('a[0]'), ['a', '0'])
    assert.deepEqual(splitKey('a[x][]'), ['a', 'x', ''])
  })

  test('spaces are dropped everywhere', () => {
    assert.deepEqual(splitKey(' a b [ x ] [y] '), ['ab', 'x', 'y'])
  })
})

describe('data tree (spec §4.5)', () => {
  test('a plain key keeps the last value', () => {
    assert.equal(form('a=1&a=2'), '{"a":"2"}')
  })

  test('a key ending in [] keeps every value, in order', () => {
    assert.equal(form('b[]=2&b[]=3&b[]=1'), '{"b":["2","3","1"]}')
  })

  test('the spec example: a=1&b[]=2&b[]=3', () => {
    assert.equal(form('a=1&b[]=2&b[]=3'), '{"a":"1","b":["2","3"]}')
  })

  test('nested keys build objects', () => {
    assert.equal(form('c[x][y]=4&c[x][z]=5&c[w]=6'), '{"c":{"w":"6","x":{"y":"4","z":"5"}}}')
    assert.equal(form('c[x][]=1&c[x][]=2'), '{"c":{"x":["1","2"]}}')
  })

  test('a[0] is an object key, not an array index', () => {
    assert.equal(form('a[0]=1&a[1]=2'), '{"a":{"0":"1","1":"2"}}')
  })

  test('spaces in names are dropped', () => {
    assert.equal(form('a+b=1&c[+x+]=2'), '{"ab":"1","c":{"x":"2"}}')
  })

  test('values are kept verbatim (decoded once), including empty ones', () => {
    assert.equal(form('a=%26%3D%20x&e='), '{"a":"&= x","e":""}')
  })

  test('a non-empty scalar followed by a branch is ERR_HTTP_BAD_FORM', () => {
    assert.throws(
      () => form('a=1&a[x]=2'),
      (err) => isCourserError(err, 'ERR_HTTP_BAD_FORM'),
    )
    assert.throws(
      () => form('a[]=1&a[x]=2'),
      (err) => isCourserError(err, 'ERR_HTTP_BAD_FORM'),
    )
    assert.throws(
      () => form('a[x]=1&a[x][y]=2'),
      (err) => isCourserError(err, 'ERR_HTTP_BAD_FORM'),
    )
  })

  test('an empty scalar is replaced by a later branch', () => {
    assert.equal(form('a=&a[x]=2'), '{"a":{"x":"2"}}')
  })

  test('keys are sorted at every level, like Go encoding/json', () => {
    assert.equal(
      form('z=1&a=2&m[b]=1&m[a]=2&m[c][z]=1&m[c][y]=2&B=3'),
      '{"B":"3","a":"2","m":{"a":"2","b":"1","c":{"y":"2","z":"1"}},"z":"1"}',
    )
  })

  test('keys are sorted even when a form has fields named tmpName and error', () => {
    // Only real upload leaves (numeric error) keep their struct field order.
    assert.equal(form('z=1&tmpName=2&error=3'), '{"error":"3","tmpName":"2","z":"1"}')
    assert.equal(
      form('a[z]=1&a[tmpName]=2&a[error]=3'),
      '{"a":{"error":"3","tmpName":"2","z":"1"}}',
    )
  })

  test('a name without a head ("[x]") or deeper than 127 levels is ignored', () => {
    assert.equal(form(`ok=1&${'a' + '[b]'.repeat(127)}=deep`), '{"ok":"1"}')
    assert.equal(form(`${'a' + '[b]'.repeat(126)}=fits`).length > 0, true)
    assert.match(form(`${'a' + '[b]'.repeat(126)}=fits`), /"fits"/)
  })

  test('an empty form is {}', () => {
    assert.equal(form(''), '{}')
  })

  test('keys and values are JSON-escaped exactly as JSON.stringify escapes them', () => {
    const nasty = [
      'plain',
      'say "hi"',
      'back\\slash',
      'line\nbreak\r\t',
      '\u0000\u001f',
      'é€😀',
      '\u2028',
      '',
    ]
    for (const key of nasty) {
      for (const value of nasty) {
        const tree = buildTree(
          new Map([
            [key || 'k', [value]],
            ['list[]', [value, key]],
          ]),
          (v) => v[0]!,
        )
        const json = treeToJson(tree)
        // Names lose their spaces (RoadRunner's rule); values keep everything.
        const want = [
          [(key || 'k').replaceAll(' ', ''), value] as const,
          ['list', [value, key]] as const,
        ].sort(([a], [b]) => (a < b ? -1 : 1))
        assert.equal(
          json,
          '{' + want.map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}',
        )
        assert.deepEqual(JSON.parse(json), Object.fromEntries(want))
      }
    }
  })

  test('names that are Object.prototype members are plain keys (no prototype pollution)', () => {
    const proto = Object.prototype as Record<string, unknown>
    const ctor = Object as unknown as Record<string, unknown>
    let results: string[]
    try {
      results = [
        form('__proto__[polluted]=yes'),
        form('constructor[x]=1'),
        form('toString[a]=1&hasOwnProperty=2'),
      ]
    } finally {
      const leaked = { polluted: proto['polluted'], x: ctor['x'] }
      delete proto['polluted']
      delete ctor['x']
      assert.deepEqual(
        leaked,
        { polluted: undefined, x: undefined },
        'global objects were polluted',
      )
    }
    assert.deepEqual(results, [
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"x":"1"}}',
      '{"hasOwnProperty":"2","toString":{"a":"1"}}',
    ])
  })
})

describe('upload trees (spec §4.6)', () => {
  const leaf = (name: string): UploadLeaf => ({
    name,
    mime: 'text/plain',
    size: 1,
    error: 0,
    tmpName: `/tmp/upload-${name}`,
  })

  function uploads(pairs: [string, UploadLeaf][]): string {
    return treeToJson(buildTree(groupByKey(pairs), (v) => v[0]!))
  }

  test('file → one leaf (the first when repeated); files[] → list; doc[a] → nested', () => {
    const json = uploads([
      ['file', leaf('one')],
      ['file', leaf('two')],
      ['files[]', leaf('a')],
      ['files[]', leaf('b')],
      ['doc[a]', leaf('d')],
    ])
    const tree = JSON.parse(json) as Record<string, unknown>
    assert.deepEqual(Object.keys(tree), ['doc', 'file', 'files'])
    assert.equal((tree['file'] as UploadLeaf).name, 'one')
    assert.deepEqual(
      (tree['files'] as UploadLeaf[]).map((f) => f.name),
      ['a', 'b'],
    )
    assert.equal((tree['doc'] as Record<string, UploadLeaf>)['a']!.name, 'd')
  })

  test('a leaf keeps Go struct field order: name, mime, size, error, tmpName', () => {
    assert.equal(
      uploads([['f', leaf('x')]]),
      '{"f":{"name":"x","mime":"text/plain","size":1,"error":0,"tmpName":"/tmp/upload-x"}}',
    )
  })

  test('a branch under an upload leaf is ERR_HTTP_BAD_FORM', () => {
    assert.throws(
      () =>
        uploads([
          ['f', leaf('x')],
          ['f[y]', leaf('y')],
        ]),
      (err) => isCourserError(err, 'ERR_HTTP_BAD_FORM'),
    )
  })
})
