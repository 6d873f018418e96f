import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isCourserError } from '../../../src/errors.ts'
import { parseRelayAddress } from '../../../src/transport/index.ts'

test('pipes', () => {
  assert.deepEqual(parseRelayAddress('pipes'), { kind: 'pipes' })
})

test('tcp://host:port, including port 0, hostnames and bracketed IPv6', () => {
  assert.deepEqual(parseRelayAddress('tcp://127.0.0.1:7000'), {
    kind: 'tcp',
    host: '127.0.0.1',
    port: 7000,
  })
  assert.deepEqual(parseRelayAddress('tcp://127.0.0.1:0'), {
    kind: 'tcp',
    host: '127.0.0.1',
    port: 0,
  })
  assert.deepEqual(parseRelayAddress('tcp://localhost:65535'), {
    kind: 'tcp',
    host: 'localhost',
    port: 65535,
  })
  assert.deepEqual(parseRelayAddress('tcp://[::1]:6001'), { kind: 'tcp', host: '::1', port: 6001 })
})

test('unix://path, absolute or relative', () => {
  assert.deepEqual(parseRelayAddress('unix:///tmp/rr.sock'), { kind: 'unix', path: '/tmp/rr.sock' })
  assert.deepEqual(parseRelayAddress('unix://rr.sock'), { kind: 'unix', path: 'rr.sock' })
})

test('invalid addresses are ERR_RELAY_ADDRESS', () => {
  for (const bad of [
    '',
    'PIPES',
    ' pipes',
    'pipes://in:out',
    'tcp://:7000', // PHP refuses an empty host (spec §2.3)
    'tcp://127.0.0.1',
    'tcp://127.0.0.1:',
    'tcp://127.0.0.1:65536',
    'tcp://127.0.0.1:123456',
    'tcp://127.0.0.1:70a',
    'tcp://::1:7000',
    'unix://',
    'http://127.0.0.1:80',
    '127.0.0.1:7000',
  ]) {
    assert.throws(
      () => parseRelayAddress(bad),
      (err) => isCourserError(err, 'ERR_RELAY_ADDRESS'),
      JSON.stringify(bad),
    )
  }
})
