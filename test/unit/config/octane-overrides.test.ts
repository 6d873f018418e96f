// The exact `-o` list Laravel Octane passes (StartRoadRunnerCommand.php) loads, outside `local` too
// (`logs.level=warning`, which RoadRunner reads as its default and Courser as `warn`).

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../../../src/config/index.ts'

const octane = (level: string): string[] => [
  'version=3',
  'http.address=127.0.0.1:8000',
  'server.command=/usr/bin/php,/app/vendor/bin/roadrunner-worker',
  'http.pool.num_workers=0',
  'http.pool.max_jobs=500',
  'rpc.listen=tcp://127.0.0.1:6001',
  'http.pool.supervisor.exec_ttl=30s',
  'http.static.dir=public',
  'http.middleware=static',
  'logs.mode=production',
  `logs.level=${level}`,
  'logs.output=stdout',
  'logs.encoding=json',
]

for (const level of ['debug', 'warning']) {
  test(`Octane's overrides on an empty .rr.yaml (logs.level=${level})`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'courser-octane-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, '.rr.yaml'), '')
    const config = loadConfig({ file: join(dir, '.rr.yaml'), overrides: octane(level) })
    assert.equal(config.logs.level, level === 'warning' ? 'warn' : 'debug')
    assert.deepEqual(config.logs.output, ['stdout'])
    assert.equal(config.logs.encoding, 'json')
    assert.deepEqual(config.server?.command, ['/usr/bin/php', '/app/vendor/bin/roadrunner-worker'])
    assert.deepEqual(config.rpc, { listen: 'tcp://127.0.0.1:6001', listen_set: true })
    assert.equal(config.http?.pool.max_jobs, 500)
    assert.equal(config.http?.pool.supervisor.exec_ttl, 30_000)
  })
}
