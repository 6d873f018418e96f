// http.static, http.headers (cors) and trusted_subnets / trusted_headers: typed, validated.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { loadConfig, type CourserConfig } from '../../../src/config/index.ts'
import { tempDir } from '../../helpers/pool.ts'

function load(t: TestContext, http: string): CourserConfig {
  const dir = tempDir(t, 'courser-cfg-')
  const file = join(dir, '.rr.yaml')
  writeFileSync(
    file,
    `version: '3'\nserver:\n  command: php w.php\nhttp:\n  address: 127.0.0.1:8080\n${http}`,
  )
  return loadConfig({ file, env: {} })
}

function fails(t: TestContext, http: string, message: RegExp): void {
  assert.throws(() => load(t, http), message)
}

describe('config: http middleware sections', () => {
  test('static: typed, weakly decoded, only the keys written', (t) => {
    const c = load(
      t,
      [
        '  static:',
        '    dir: public',
        '    forbid: .php, .htaccess',
        "    calculate_etag: 'true'",
        '    weak: 0',
        '    follow_symlinks: false',
        '    request: { X-Static: 1 }',
        '    response: { Cache-Control: "public, max-age=60" }',
        '',
      ].join('\n'),
    )
    assert.deepEqual(c.http?.static, {
      dir: 'public',
      forbid: ['.php', '.htaccess'],
      calculate_etag: true,
      weak: false,
      follow_symlinks: false,
      request: { 'X-Static': '1' },
      response: { 'Cache-Control': 'public, max-age=60' },
    })
    assert.deepEqual(load(t, '  static:\n').http?.static, {})
    assert.equal(load(t, '').http?.static, undefined)
  })

  test('static: unknown keys and bad values are one-line errors', (t) => {
    fails(
      t,
      '  static:\n    root: public\n',
      /http\.static\.root: unknown key; expected one of: dir,/,
    )
    fails(t, '  static:\n    weak: maybe\n', /http\.static\.weak: expected true or false/)
    fails(t, '  static:\n    response: { "Bad Header": x }\n', /invalid header name "Bad Header"/)
    fails(
      t,
      '  static:\n    forbid: { a: 1 }\n',
      /http\.static\.forbid: expected a list of strings/,
    )
  })

  test('headers: request/response maps and cors; lists accepted for comma strings', (t) => {
    const c = load(
      t,
      [
        '  headers:',
        '    request: { X-Tenant: acme }',
        '    response: { X-Powered-By: Courser }',
        '    cors:',
        '      allowed_origin: "*"',
        '      allowed_methods: [GET, POST]',
        '      allow_credentials: true',
        '      max_age: "600"',
        '',
      ].join('\n'),
    )
    assert.deepEqual(c.http?.headers, {
      request: { 'X-Tenant': 'acme' },
      response: { 'X-Powered-By': 'Courser' },
      cors: {
        allowed_origin: '*',
        allowed_methods: 'GET,POST',
        allow_credentials: true,
        max_age: 600,
      },
    })
    fails(
      t,
      '  headers:\n    cors:\n      allowed_origin_regex: "("\n',
      /allowed_origin_regex: not a valid regular expression/,
    )
    fails(
      t,
      '  headers:\n    cors:\n      max_age: -1\n',
      /max_age: expected a non-negative integer/,
    )
    fails(t, '  headers:\n    cors:\n      origin: x\n', /http\.headers\.cors\.origin: unknown key/)
    fails(t, '  headers:\n    response: { X-A: "a\\nb" }\n', /value must be one line/)
  })

  test('trusted_subnets must be CIDRs (or addresses); trusted_headers header names', (t) => {
    const c = load(
      t,
      "  trusted_subnets: ['10.0.0.0/8', '::1/128', 203.0.113.5]\n  trusted_headers: [X-Real-Ip]\n",
    )
    assert.deepEqual(c.http?.trusted_subnets, ['10.0.0.0/8', '::1/128', '203.0.113.5'])
    assert.deepEqual(c.http?.trusted_headers, ['X-Real-Ip'])
    fails(
      t,
      "  trusted_subnets: ['10.0.0.0/33']\n",
      /trusted_subnets: expected a prefix length 0-32/,
    )
    fails(t, "  trusted_subnets: ['localhost']\n", /trusted_subnets: expected a CIDR subnet/)
    fails(t, "  trusted_headers: ['X Real']\n", /trusted_headers: invalid header name/)
  })
})
