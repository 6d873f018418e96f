// buildMiddleware(): http.middleware names → middleware, with warnings for what is off.

import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { loadConfig } from '../../../src/config/index.ts'
import { buildMiddleware } from '../../../src/plugins/http/middleware/index.ts'
import { captureLogger } from '../../helpers/log.ts'
import { tempDir } from '../../helpers/pool.ts'

function build(t: TestContext, http: Record<string, unknown>) {
  const dir = tempDir(t, 'courser-mw-')
  mkdirSync(join(dir, 'public'))
  const file = join(dir, '.rr.yaml')
  writeFileSync(
    file,
    JSON.stringify({
      version: '3',
      server: { command: 'php w.php' },
      http: { address: ':0', ...http },
    }),
  )
  const config = loadConfig({ file, env: {} })
  const { log, lines } = captureLogger()
  const list = buildMiddleware(config.http!, { workdir: dir, log })
  return { list, warnings: lines.filter((l) => l.level === 40).map((l) => l.msg) }
}

describe('buildMiddleware', () => {
  test('one middleware per implemented name, in order', (t) => {
    const { list, warnings } = build(t, {
      middleware: ['proxy_ip_parser', 'headers', 'gzip', 'static', 'sendfile', 'http_metrics'],
      static: { dir: 'public' },
    })
    assert.equal(list.length, 5)
    assert.deepEqual(warnings, [])
  })

  test('static without http.static, cache and otel are skipped with a warning', (t) => {
    const { list, warnings } = build(t, { middleware: ['static', 'cache', 'otel'] })
    assert.equal(list.length, 0)
    assert.equal(warnings.length, 3)
    assert.match(warnings[0]!, /needs an http\.static section/)
  })

  test('gzip and zstd make one compression layer; zstd warns', (t) => {
    const { list, warnings } = build(t, { middleware: ['zstd', 'gzip'] })
    assert.equal(list.length, 1)
    assert.match(warnings.join(), /zstd is not available/)
  })

  test('a static dir that does not exist is a config error', (t) => {
    assert.throws(
      () => build(t, { middleware: ['static'], static: { dir: 'missing' } }),
      /http\.static\.dir: root directory '.*missing' does not exist/,
    )
  })
})
