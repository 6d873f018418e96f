// The logger's `logs` handling: RoadRunner-shaped JSON lines (what Laravel Octane parses), modes,
// levels, channels and outputs. Lines are written to a temp file and read back.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { channel, createLogger } from '../../src/logger.ts'

function logTo(t: TestContext): { file: string; read(): string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'courser-log-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'sub', 'rr.log')
  return {
    file,
    read: () =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
  }
}

test('JSON lines: level name, ts in seconds, logger and msg on every line', (t) => {
  const out = logTo(t)
  const root = createLogger({ mode: 'production', level: 'debug', output: out.file })
  root.info({ config: 'x' }, 'courser is serving')
  channel(root, 'http').info(
    { status: 200, method: 'GET', URI: '/', remote_address: '127.0.0.1', elapsed: 0.0012 },
    'http log',
  )
  channel(root, 'server').debug({ a: 1 }) // no message
  const lines = out.read().map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.equal(lines.length, 3)
  for (const line of lines) {
    assert.equal(typeof line['msg'], 'string')
    assert.equal(typeof line['logger'], 'string')
    assert.ok(Math.abs((line['ts'] as number) - Date.now() / 1000) < 60, `ts ${String(line['ts'])}`)
  }
  assert.deepEqual(
    lines.map((l) => [l['level'], l['logger'], l['msg']]),
    [
      ['info', 'courser', 'courser is serving'],
      ['info', 'http', 'http log'],
      ['debug', 'server', ''],
    ],
  )
  assert.equal(lines[1]!['elapsed'], 0.0012)
})

test("a worker's output line carries the output as its message (RR's server logger)", (t) => {
  const out = logTo(t)
  const root = createLogger({ mode: 'production', output: out.file })
  channel(root, 'server').info({ pid: 42, worker_output: 'dumped from PHP' }, 'worker output')
  assert.deepEqual(JSON.parse(out.read()[0]!), {
    level: 'info',
    ts: (JSON.parse(out.read()[0]!) as { ts: number }).ts,
    logger: 'server',
    pid: 42,
    msg: 'dumped from PHP',
  })
})

test('level filters; channels override it per plugin', (t) => {
  const out = logTo(t)
  const root = createLogger({
    mode: 'production',
    level: 'warn',
    output: out.file,
    channels: { http: { level: 'debug' }, server: { level: 'error' } },
  })
  root.info('root info: hidden')
  root.warn('root warn')
  channel(root, 'http').debug('http debug')
  channel(root, 'server').warn('server warn: hidden')
  channel(root, 'server').error('server error')
  channel(root, 'rpc').info('rpc info: hidden')
  assert.deepEqual(
    out.read().map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['root warn', 'http debug', 'server error'],
  )
})

test('a channel with its own output writes there', (t) => {
  const main = logTo(t)
  const own = logTo(t)
  const root = createLogger({
    mode: 'production',
    output: main.file,
    channels: { http: { output: [own.file], encoding: 'json' } },
  })
  root.info('to main')
  channel(root, 'http').info('to own')
  assert.deepEqual(
    main.read().map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['to main'],
  )
  assert.deepEqual(
    own.read().map((l) => (JSON.parse(l) as { logger: string }).logger),
    ['http'],
  )
})

test('console encoding is one readable line; raw mode prints the message only', (t) => {
  const dev = logTo(t)
  channel(createLogger({ mode: 'development', output: dev.file }), 'http').warn(
    { status: 500 },
    'boom',
  )
  assert.match(dev.read()[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: http: boom \{"status":500\}$/)
  const raw = logTo(t)
  channel(createLogger({ mode: 'raw', output: raw.file }), 'server').info(
    { worker_output: 'plain text' },
    'worker output',
  )
  assert.deepEqual(raw.read(), ['plain text'])
})

test('mode off writes nothing', (t) => {
  const out = logTo(t)
  const root = createLogger({ mode: 'off', output: out.file })
  channel(root, 'http').error('nothing')
  assert.throws(() => out.read(), /ENOENT/)
})

test('several outputs each get every line', (t) => {
  const a = logTo(t)
  const b = logTo(t)
  createLogger({ mode: 'production', output: [a.file, b.file] }).info('twice')
  assert.equal(a.read().length, 1)
  assert.equal(b.read().length, 1)
})
