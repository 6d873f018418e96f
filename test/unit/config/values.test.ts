import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  InvalidValue,
  describe as describeValue,
  parseCommand,
  parseDuration,
  parseListenAddress,
  splitHostPort,
  toBool,
  toStringList,
  toUint,
} from '../../../src/config/values.ts'

describe('parseDuration (Go syntax → ms)', () => {
  const cases: [unknown, number][] = [
    ['60s', 60_000],
    ['1m', 60_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['2h', 7_200_000],
    ['1m30s250ms', 90_250],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1000000ns', 1],
    ['0', 0],
    ['0s', 0],
    ['+5s', 5000],
    // plain numbers are seconds (RoadRunner would read an integer as nanoseconds)
    [30, 30_000],
    [0, 0],
    [1.5, 1500],
    ['30', 30_000],
    [' 10s ', 10_000],
  ]
  for (const [input, ms] of cases) {
    it(`${JSON.stringify(input)} → ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms)
    })
  }

  for (const bad of ['soon', '-1s', '5 s', '1d', 's', '.s', '1.2.3s', '', -1, true, [], {}]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseDuration(bad),
        (err: unknown) =>
          err instanceof InvalidValue &&
          err.message.startsWith('expected a duration such as 60s, 500ms or 1h30m, got '),
      )
    })
  }
})

describe('parseCommand (RR prepareCmd + viper comma split)', () => {
  it('splits a single string on whitespace', () => {
    assert.deepEqual(parseCommand('php  -d memory_limit=1G\tworker.php'), [
      'php',
      '-d',
      'memory_limit=1G',
      'worker.php',
    ])
  })
  it('splits a comma-separated string into arguments (Octane passes php,worker)', () => {
    assert.deepEqual(parseCommand('/usr/bin/php,/app/vendor/bin/roadrunner-worker'), [
      '/usr/bin/php',
      '/app/vendor/bin/roadrunner-worker',
    ])
  })
  it('splits a one-element list on whitespace', () => {
    assert.deepEqual(parseCommand(['php worker.php']), ['php', 'worker.php'])
  })
  it('keeps a multi-element list as is (spaces inside arguments survive)', () => {
    assert.deepEqual(parseCommand(['php', '/my app/worker.php']), ['php', '/my app/worker.php'])
  })
  it('rejects empty commands and non-strings', () => {
    for (const bad of ['', '   ', [], [''], { a: 1 }, true]) {
      assert.throws(() => parseCommand(bad), InvalidValue, JSON.stringify(bad))
    }
  })
})

describe('addresses', () => {
  it('parses host:port forms like net.SplitHostPort', () => {
    assert.deepEqual(splitHostPort('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 })
    assert.deepEqual(splitHostPort(':8080'), { host: '', port: 8080 })
    assert.deepEqual(splitHostPort('[::1]:443'), { host: '::1', port: 443 })
    assert.deepEqual(splitHostPort('localhost:0'), { host: 'localhost', port: 0 })
    assert.equal(splitHostPort('8080'), undefined)
    assert.equal(splitHostPort('::1:80'), undefined)
    assert.equal(splitHostPort('host:99999'), undefined)
    assert.equal(splitHostPort('host:http'), undefined)
  })
  it('parses tcp:// and unix:// listen addresses', () => {
    assert.deepEqual(parseListenAddress('tcp://127.0.0.1:6001'), {
      network: 'tcp',
      host: '127.0.0.1',
      port: 6001,
    })
    assert.deepEqual(parseListenAddress('0.0.0.0:80'), {
      network: 'tcp',
      host: '0.0.0.0',
      port: 80,
    })
    assert.deepEqual(parseListenAddress('unix://var/rr.sock'), {
      network: 'unix',
      path: 'var/rr.sock',
    })
    assert.deepEqual(parseListenAddress('unix:///run/rr.sock'), {
      network: 'unix',
      path: '/run/rr.sock',
    })
    assert.equal(parseListenAddress('unix://'), undefined)
    assert.equal(parseListenAddress('udp://1.2.3.4:5'), undefined)
    assert.equal(parseListenAddress('pipes'), undefined)
  })
})

describe('weak scalar typing (mapstructure WeaklyTypedInput)', () => {
  it('toUint accepts integers and integer strings only', () => {
    assert.equal(toUint(3), 3)
    assert.equal(toUint('3'), 3)
    assert.equal(toUint(' 12 '), 12)
    for (const bad of [-1, 1.5, 'many', '1e3', '-2', true, null]) {
      assert.throws(() => toUint(bad), InvalidValue, JSON.stringify(bad))
    }
  })
  it('toBool accepts Go ParseBool spellings', () => {
    for (const t of [true, 'true', 'TRUE', 't', '1', 1]) assert.equal(toBool(t), true)
    for (const f of [false, 'false', 'False', 'f', '0', 0]) assert.equal(toBool(f), false)
    assert.throws(() => toBool('yes'), /expected true or false, got "yes"/)
  })
  it('toStringList splits strings on commas and stringifies scalars', () => {
    assert.deepEqual(toStringList('gzip, headers,,static'), ['gzip', 'headers', 'static'])
    assert.deepEqual(toStringList(['a', 1, true]), ['a', '1', 'true'])
    assert.throws(() => toStringList({ a: 1 }), /expected a list of strings, got a map/)
  })
  it('describe renders values for messages', () => {
    assert.equal(describeValue('many'), '"many"')
    assert.equal(describeValue(42), '42')
    assert.equal(describeValue([1]), 'a list')
    assert.equal(describeValue({}), 'a map')
    assert.equal(describeValue(null), 'null')
  })
})
