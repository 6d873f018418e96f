import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isCourserError } from '../../../src/errors.ts'
import {
  ConfigError,
  DEFAULT_TRUSTED_SUBNETS,
  loadConfig,
  type LoadConfigOptions,
} from '../../../src/config/index.ts'

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/configs')
const REPO = resolve(FIXTURES, '../../..')

const BASE = `version: "3"
server:
  command: php worker.php
http:
  address: 127.0.0.1:8080
`

/** Writes files into a fresh temp dir (removed after the test); returns the dir. */
function tmp(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'courser-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

/** Loads `.rr.yaml` from a temp dir; errors name the file as `.rr.yaml`. */
function load(
  t: TestContext,
  yaml: string,
  opts: Partial<LoadConfigOptions> = {},
  files: Record<string, string> = {},
): ReturnType<typeof loadConfig> {
  const dir = tmp(t, { '.rr.yaml': yaml, ...files })
  return loadConfig({ file: '.rr.yaml', workdir: dir, env: {}, ...opts })
}

/** Asserts loading fails with ERR_CONFIG; returns the one-line problems. */
function problems(fn: () => unknown): readonly string[] {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    assert.ok(isCourserError(err, 'ERR_CONFIG'))
    for (const p of err.problems) assert.ok(!p.includes('\n'), `multi-line problem: ${p}`)
    assert.equal(err.message, `invalid configuration: ${err.problems.join('; ')}`)
    return err.problems
  }
  assert.fail('expected loadConfig to throw')
}

function loadError(
  t: TestContext,
  yaml: string,
  opts: Partial<LoadConfigOptions> = {},
  files: Record<string, string> = {},
): readonly string[] {
  return problems(() => load(t, yaml, opts, files))
}

describe('loadConfig: a good config', () => {
  it('loads the minimal config with RoadRunner defaults', () => {
    const c = loadConfig({ file: join(FIXTURES, 'minimal.rr.yaml'), env: {} })
    assert.equal(c.version, '3')
    assert.equal(c.file, join(FIXTURES, 'minimal.rr.yaml'))
    assert.equal(c.workdir, FIXTURES)
    assert.deepEqual(c.dotenv, {})
    assert.deepEqual(c.server, {
      command: ['php', 'worker.php'],
      env: {},
      relay: 'pipes',
      relay_timeout: 60_000,
      sched_policy: 'batch',
    })
    assert.deepEqual(c.http, {
      address: '127.0.0.1:8080',
      internal_error_code: 500,
      max_request_size: 1000,
      raw_body: false,
      codec: 'json',
      access_logs: false,
      middleware: [],
      trusted_subnets: [...DEFAULT_TRUSTED_SUBNETS],
      uploads: { dir: tmpdir(), forbid: [], allow: [] },
      pool: {
        num_workers: availableParallelism(),
        max_jobs: 0,
        allocate_timeout: 60_000,
        destroy_timeout: 60_000,
        reset_timeout: 60_000,
        stream_timeout: 60_000,
        max_queue_size: 0,
        debug: false,
        supervisor: { watch_tick: 5000, ttl: 0, idle_ttl: 0, exec_ttl: 0, max_worker_memory: 0 },
      },
    })
    assert.deepEqual(c.logs, {
      mode: 'development',
      level: 'debug',
      encoding: 'console',
      line_ending: '\n',
      output: ['stderr'],
      err_output: ['stderr'],
      channels: {},
      skip_line_ending: false,
    })
    assert.equal(c.rpc, undefined)
    assert.equal(c.metrics, undefined)
    assert.equal(c.status, undefined)
  })

  it('loads a full config, keeping the sections it does not interpret', () => {
    const c = loadConfig({ file: join(FIXTURES, 'full.rr.yaml'), env: { WORKERS: '6' } })
    assert.deepEqual(c.rpc, { listen: 'tcp://127.0.0.1:6001', listen_set: true })
    assert.deepEqual(c.server?.command, ['php', '-d', 'memory_limit=256M', 'public/worker.php'])
    assert.equal(c.server?.relay, 'unix://var/rr.sock')
    assert.deepEqual(c.server?.env, {
      APP_RUNTIME: 'Baldinof\\RoadRunnerBundle\\Runtime\\Runtime',
      APP_DEBUG: '0',
    })
    assert.deepEqual(c.server?.on_init, {
      command: ['php', 'bin/console', 'cache:warmup'],
      exec_timeout: 20_000,
      exit_on_error: true,
      env: { WARMUP: 'yes' },
    })
    assert.equal(c.logs.mode, 'production')
    assert.equal(c.logs.level, 'info')
    assert.equal(c.logs.encoding, 'json')
    assert.deepEqual(c.logs.output, ['stdout'])
    assert.deepEqual(c.logs.channels, { http: { level: 'debug' }, server: { mode: 'raw' } })

    const http = c.http!
    assert.equal(http.internal_error_code, 505)
    assert.equal(http.max_request_size, 256)
    assert.equal(http.access_logs, true)
    assert.deepEqual(http.middleware, ['static', 'gzip', 'headers'])
    assert.deepEqual(http.trusted_subnets, ['10.0.0.0/8', '127.0.0.0/8'])
    assert.deepEqual(http.uploads, {
      dir: 'var/uploads',
      forbid: ['.php', '.exe', '.bat', '.sh'],
      allow: ['.html'],
    })
    assert.deepEqual(http.static, { dir: 'public', forbid: ['.php', '.htaccess'] })
    assert.equal(
      (http.headers?.cors as Record<string, unknown>).allowed_origin_regex,
      '^https://foo$',
    )
    assert.deepEqual(http.pool, {
      num_workers: 6,
      max_jobs: 500,
      allocate_timeout: 60_000,
      destroy_timeout: 5_400_000,
      reset_timeout: 500,
      stream_timeout: 1500,
      max_queue_size: 100,
      debug: false,
      supervisor: {
        watch_tick: 1000,
        ttl: 0,
        idle_ttl: 10_000,
        exec_ttl: 60_000,
        max_worker_memory: 128,
      },
      dynamic_allocator: { max_workers: 25, spawn_rate: 10, idle_timeout: 10_000 },
    })
    assert.deepEqual(http.http2, { h2c: false, max_concurrent_streams: 128 })
    assert.deepEqual(c.metrics, { address: '127.0.0.1:2112' })
    assert.deepEqual(c.status, {
      address: '127.0.0.1:2114',
      unavailable_status_code: 503,
      check_timeout: 60_000,
    })
    assert.equal(c.jobs?.num_pollers, 10)
    assert.deepEqual(c.kv, { local: { driver: 'memory', config: {} } })
    assert.deepEqual(c.endure, { grace_period: '30s' })
    assert.ok(c.service && c.reload)
  })

  it('loads the Lumen example shipped in examples/', () => {
    const c = loadConfig({ file: join(REPO, 'examples/lumen/.rr.yaml'), env: {} })
    assert.equal(c.http?.pool.num_workers, 2)
    assert.equal(c.logs.level, 'info')
  })

  it('treats empty (null) values as absent and empty sections as present', (t) => {
    const c = load(t, `${BASE}  access_logs:\nrpc:\nlogs:\n`)
    assert.equal(c.http?.access_logs, false)
    assert.deepEqual(c.rpc, { listen: 'tcp://127.0.0.1:6001', listen_set: false })
    assert.equal(c.logs.mode, 'development')
  })

  it('rpc without listen uses the default and records that it was not set', (t) => {
    const c = load(t, `${BASE}rpc: {}\n`)
    assert.deepEqual(c.rpc, { listen: 'tcp://127.0.0.1:6001', listen_set: false })
  })

  it('applies RoadRunner zero-value defaults', (t) => {
    const c = load(
      t,
      `${BASE}  max_request_size: 0\n  internal_error_code: 0\n  pool:\n    num_workers: 0\n    allocate_timeout: 0\n`,
    )
    assert.equal(c.http?.max_request_size, 1000)
    assert.equal(c.http?.internal_error_code, 500)
    assert.equal(c.http?.pool.num_workers, availableParallelism())
    assert.equal(c.http?.pool.allocate_timeout, 60_000)
  })

  it('accepts numbers and booleans written as strings (e.g. from ${VAR})', (t) => {
    const c = load(
      t,
      `${BASE}  raw_body: "true"\n  pool:\n    num_workers: "\${N:-3}"\n    debug: \${DEBUG}\n`,
      { env: { DEBUG: 'false' } },
    )
    assert.equal(c.http?.raw_body, true)
    assert.equal(c.http?.pool.num_workers, 3)
    assert.equal(c.http?.pool.debug, false)
  })

  it('upper-cases server.env keys and stringifies values', (t) => {
    const c = load(
      t,
      `version: "3"\nserver:\n  command: php w.php\n  env:\n    app_env: prod\n    Debug: true\n    N: 3\n    E:\n`,
    )
    assert.deepEqual(c.server?.env, { APP_ENV: 'prod', DEBUG: 'true', N: '3', E: '' })
  })

  it('normalises log levels and picks encoding from mode', (t) => {
    const c = load(t, `${BASE}logs:\n  mode: RAW\n  level: WARN\n`)
    assert.equal(c.logs.mode, 'raw')
    assert.equal(c.logs.level, 'warn')
    assert.equal(c.logs.encoding, 'console')
  })

  it('accepts the relay forms RoadRunner accepts', (t) => {
    for (const relay of [
      'pipes',
      'tcp://127.0.0.1:7000',
      'unix://rr.sock',
      'unix:///run/rr.sock',
    ]) {
      const c = load(t, `version: "3"\nserver:\n  command: php w.php\n  relay: ${relay}\n`)
      assert.equal(c.server?.relay, relay)
    }
  })
})

describe('loadConfig: command splitting', () => {
  const cases: [string, string[]][] = [
    ['"php worker.php"', ['php', 'worker.php']],
    ['["php worker.php"]', ['php', 'worker.php']],
    ['["php", "/my app/worker.php"]', ['php', '/my app/worker.php']],
    ['"/usr/bin/php,/app/worker.php"', ['/usr/bin/php', '/app/worker.php']],
    ['php -d opcache.enable_cli=1 worker.php', ['php', '-d', 'opcache.enable_cli=1', 'worker.php']],
  ]
  for (const [yaml, argv] of cases) {
    it(`command: ${yaml}`, (t) => {
      const c = load(t, `version: "3"\nserver:\n  command: ${yaml}\n`)
      assert.deepEqual(c.server?.command, argv)
    })
  }
  it('http.pool.command overrides per pool', (t) => {
    const c = load(t, `${BASE}  pool:\n    command: php other.php\n`)
    assert.deepEqual(c.http?.pool.command, ['php', 'other.php'])
  })
  it('an empty command is an error', (t) => {
    assert.deepEqual(loadError(t, `version: "3"\nserver:\n  command: ""\n`), [
      '.rr.yaml: server.command: expected a non-empty command, got ""',
    ])
  })
  it('a missing command is an error', (t) => {
    assert.deepEqual(loadError(t, `version: "3"\nserver:\n  relay: pipes\n`), [
      '.rr.yaml: server.command: required, but missing (the command that starts a PHP worker, e.g. "php worker.php")',
    ])
  })
})

describe('loadConfig: durations in the config', () => {
  const cases: [string, number][] = [
    ['60s', 60_000],
    ['1m', 60_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['30', 30_000],
    ['"45"', 45_000],
  ]
  for (const [yaml, ms] of cases) {
    it(`exec_ttl: ${yaml} → ${ms} ms`, (t) => {
      const c = load(t, `${BASE}  pool:\n    supervisor:\n      exec_ttl: ${yaml}\n`)
      assert.equal(c.http?.pool.supervisor.exec_ttl, ms)
    })
  }
  it('a bad duration names the key', (t) => {
    assert.deepEqual(loadError(t, `${BASE}  pool:\n    allocate_timeout: soon\n`), [
      '.rr.yaml: http.pool.allocate_timeout: expected a duration such as 60s, 500ms or 1h30m, got "soon"',
    ])
  })
})

describe('loadConfig: errors are one line naming file and key', () => {
  it('wrong type', (t) => {
    assert.deepEqual(loadError(t, `${BASE}  pool:\n    num_workers: many\n`), [
      '.rr.yaml: http.pool.num_workers: expected a non-negative integer, got "many"',
    ])
    assert.deepEqual(loadError(t, `${BASE}  raw_body: maybe\n`), [
      '.rr.yaml: http.raw_body: expected true or false, got "maybe"',
    ])
    assert.deepEqual(loadError(t, `${BASE}  pool: 4\n`), [
      '.rr.yaml: http.pool: expected a map, got 4',
    ])
    assert.deepEqual(loadError(t, `${BASE}  internal_error_code: 42\n`), [
      '.rr.yaml: http.internal_error_code: expected an HTTP status code (100-599), got 42',
    ])
    assert.deepEqual(loadError(t, `${BASE}  uploads:\n    forbid: [".php", {a: 1}]\n`), [
      '.rr.yaml: http.uploads.forbid: expected a list of strings, got a map at item 2',
    ])
  })

  it('unknown top-level key', (t) => {
    const [p, ...rest] = loadError(t, `${BASE}htp:\n  address: x\n`)
    assert.equal(rest.length, 0)
    assert.match(
      p!,
      /^\.rr\.yaml: htp: unknown top-level section; known sections: version, include, envfile, server, http, logs, rpc, metrics, status, reload, jobs, kv, /,
    )
  })

  it('unknown nested keys', (t) => {
    const nested: [string, string][] = [
      [`${BASE}  pool:\n    num_worker: 4\n`, 'http.pool.num_worker'],
      [`${BASE}  adress: x\n`, 'http.adress'],
      [`${BASE}  pool:\n    supervisor:\n      max_memory: 1\n`, 'http.pool.supervisor.max_memory'],
      [`${BASE}  uploads:\n    dirs: x\n`, 'http.uploads.dirs'],
      [`version: "3"\nserver:\n  command: x\n  cmd: y\n`, 'server.cmd'],
      [`${BASE}logs:\n  levl: info\n`, 'logs.levl'],
      [`${BASE}logs:\n  channels:\n    http:\n      lvl: info\n`, 'logs.channels.http.lvl'],
      [`${BASE}rpc:\n  listen: tcp://127.0.0.1:6001\n  addr: x\n`, 'rpc.addr'],
      [`${BASE}status:\n  address: 127.0.0.1:2114\n  port: 1\n`, 'status.port'],
      [`${BASE}metrics:\n  adress: x\n`, 'metrics.adress'],
    ]
    for (const [yaml, key] of nested) {
      const ps = loadError(t, yaml)
      assert.equal(ps.length, 1, ps.join('\n'))
      assert.ok(ps[0]!.startsWith(`.rr.yaml: ${key}: unknown key; expected one of: `), ps[0])
    }
    assert.deepEqual(loadError(t, `${BASE}rpc:\n  addr: x\n`), [
      '.rr.yaml: rpc.addr: unknown key; expected one of: listen',
    ])
  })

  it('missing version', (t) => {
    assert.deepEqual(loadError(t, 'server:\n  command: php w.php\n'), [
      '.rr.yaml: version: required, but missing (add version: "3" at the top of the file)',
    ])
  })

  it('version "2" and "2.7"', (t) => {
    assert.deepEqual(loadError(t, 'version: "2"\n'), [
      `.rr.yaml: version: expected "3" (RoadRunner's v3 config format, RR 2023.1 and later), got "2"`,
    ])
    assert.match(
      loadError(t, "version: '2.7'\n")[0]!,
      /^\.rr\.yaml: version: expected "3" .*got "2\.7"$/,
    )
  })

  it('version 3 may be a string or a number', (t) => {
    assert.equal(load(t, "version: '3'\n").version, '3')
    assert.equal(load(t, 'version: 3\n').version, '3')
  })

  it('unset env var without default names file, key and variable', (t) => {
    assert.deepEqual(loadError(t, `${BASE}rpc:\n  listen: tcp://127.0.0.1:\${RPC_PORT}\n`), [
      '.rr.yaml: rpc.listen: environment variable RPC_PORT is not set (use ${RPC_PORT:-default} to give a default)',
    ])
    assert.deepEqual(loadError(t, `${BASE}  middleware: [gzip, "$MW"]\n`), [
      '.rr.yaml: http.middleware[1]: environment variable MW is not set (use ${MW:-default} to give a default)',
    ])
  })

  it('${VAR:-default} and ${VAR} expansion', (t) => {
    const yaml = `version: "3"\nserver:\n  command: php \${APP_DIR:-/srv}/worker.php\n  env:\n    HOME_DIR: \${HOME_DIR}\nrpc:\n  listen: tcp://127.0.0.1:\${RPC_PORT:-6001}\n`
    const c = load(t, yaml, { env: { HOME_DIR: '/home/x' } })
    assert.deepEqual(c.server?.command, ['php', '/srv/worker.php'])
    assert.equal(c.server?.env.HOME_DIR, '/home/x')
    assert.equal(c.rpc?.listen, 'tcp://127.0.0.1:6001')
    const d = load(t, yaml, { env: { HOME_DIR: '', RPC_PORT: '7001', APP_DIR: '/app' } })
    assert.deepEqual(d.server?.command, ['php', '/app/worker.php'])
    assert.equal(d.server?.env.HOME_DIR, '')
    assert.equal(d.rpc?.listen, 'tcp://127.0.0.1:7001')
  })

  it('uses process.env when no env is given', (t) => {
    const dir = tmp(t, { '.rr.yaml': 'version: "3"\nkv:\n  k:\n    path: ${PATH}\n' })
    const c = loadConfig({ file: join(dir, '.rr.yaml') })
    assert.equal((c.kv?.k as Record<string, unknown>).path, process.env.PATH)
  })

  it('broken YAML gives the line number', () => {
    const ps = problems(() => loadConfig({ file: join(FIXTURES, 'broken.rr.yaml'), env: {} }))
    assert.equal(ps.length, 1)
    assert.match(
      ps[0]!,
      new RegExp(
        `^${join(FIXTURES, 'broken.rr.yaml')}: YAML syntax error at line 5, column \\d+: .+`,
      ),
    )
  })

  it('broken YAML: duplicate keys and tabs', (t) => {
    assert.deepEqual(loadError(t, 'version: "3"\nversion: "3"\n'), [
      '.rr.yaml: YAML syntax error at line 2, column 1: Map keys must be unique',
    ])
    assert.match(loadError(t, 'version: "3"\nhttp:\n\taddress: x\n')[0]!, /line 3, column 1/)
  })

  it('a file that is not a map', (t) => {
    assert.deepEqual(loadError(t, '- a\n- b\n'), [
      '.rr.yaml: expected a map of sections at the top level, got a list',
    ])
  })

  it('a missing file', (t) => {
    const dir = tmp(t, {})
    assert.deepEqual(
      problems(() => loadConfig({ file: 'nope.yaml', workdir: dir, env: {} })),
      ['nope.yaml: cannot read the config file (no such file)'],
    )
  })

  it('unknown middleware lists the allowed names', (t) => {
    assert.deepEqual(loadError(t, `${BASE}  middleware: [gzip, compress]\n`), [
      '.rr.yaml: http.middleware: unknown middleware "compress"; allowed: headers, gzip, zstd, static, sendfile, http_metrics, cache, proxy_ip_parser, otel',
    ])
  })

  it('invalid addresses', (t) => {
    assert.deepEqual(loadError(t, `version: "3"\nserver:\n  command: x\n  relay: tcp://:7000\n`), [
      '.rr.yaml: server.relay: expected pipes, tcp://host:port (with an explicit host: PHP cannot connect to an empty one) or unix://path, got "tcp://:7000"',
    ])
    assert.match(
      loadError(t, `version: "3"\nserver:\n  command: x\n  relay: sockets\n`)[0]!,
      /^\.rr\.yaml: server\.relay: expected pipes/,
    )
    assert.deepEqual(loadError(t, BASE.replace('127.0.0.1:8080', '8080')), [
      '.rr.yaml: http.address: expected host:port (or unix://path), got 8080',
    ])
    assert.deepEqual(loadError(t, `${BASE}rpc:\n  listen: 127.0.0.1:6001\n`), [
      '.rr.yaml: rpc.listen: expected tcp://host:port or unix://path, got "127.0.0.1:6001"',
    ])
  })

  it('required keys and sections', (t) => {
    assert.deepEqual(loadError(t, 'version: "3"\nhttp:\n  address: :8080\n'), [
      '.rr.yaml: server: required by the http section, but missing (server.command starts the PHP workers)',
    ])
    assert.deepEqual(loadError(t, 'version: "3"\nserver:\n  command: x\nhttp:\n  pool: {}\n'), [
      '.rr.yaml: http.address: required, but missing (host:port to listen on, e.g. 127.0.0.1:8080)',
    ])
    assert.deepEqual(loadError(t, `${BASE}status:\n  unavailable_status_code: 500\n`), [
      '.rr.yaml: status.address: required, but missing',
    ])
  })

  it('aggregates several problems, first problem first', (t) => {
    const ps = loadError(
      t,
      `${BASE}  raw_body: maybe\n  pool:\n    num_workers: many\n    max_jobs: -1\nlogs:\n  level: loud\n`,
    )
    assert.deepEqual(ps, [
      '.rr.yaml: http.raw_body: expected true or false, got "maybe"',
      '.rr.yaml: http.pool.num_workers: expected a non-negative integer, got "many"',
      '.rr.yaml: http.pool.max_jobs: expected a non-negative integer, got -1',
      '.rr.yaml: logs.level: expected one of debug, info, warn, error, dpanic, panic, fatal; got "loud"',
    ])
  })

  it('server.sched_policy (a Courser extension) is batch or normal', (t) => {
    const yaml = (policy: string): string =>
      `version: "3"\nserver:\n  command: php w.php\n  sched_policy: ${policy}\n`
    assert.equal(load(t, yaml('normal')).server?.sched_policy, 'normal')
    assert.deepEqual(loadError(t, yaml('fifo')), [
      '.rr.yaml: server.sched_policy: expected one of batch, normal; got "fifo"',
    ])
  })
})

describe('loadConfig: -o overrides', () => {
  it('coerces numbers, creates nested maps and splits lists', (t) => {
    const c = load(t, BASE, {
      overrides: [
        'http.pool.num_workers=3',
        'server.command=php a.php',
        'http.middleware=gzip,headers',
        'http.pool.supervisor.exec_ttl=30s',
        'http.raw_body=true',
        'rpc.listen=tcp://127.0.0.1:6002',
        'jobs.num_pollers=10',
        'jobs.pipelines.p.driver=memory',
      ],
    })
    assert.equal(c.http?.pool.num_workers, 3)
    assert.deepEqual(c.server?.command, ['php', 'a.php'])
    assert.deepEqual(c.http?.middleware, ['gzip', 'headers'])
    assert.equal(c.http?.pool.supervisor.exec_ttl, 30_000)
    assert.equal(c.http?.raw_body, true)
    assert.deepEqual(c.rpc, { listen: 'tcp://127.0.0.1:6002', listen_set: true })
    assert.deepEqual(c.jobs, { num_pollers: 10, pipelines: { p: { driver: 'memory' } } })
  })

  it('drives a config the way Laravel Octane does', (t) => {
    const c = load(t, 'rpc:\n  listen: tcp://127.0.0.1:6001\n', {
      overrides: [
        'version=3',
        'http.address=127.0.0.1:8000',
        'server.command=/usr/bin/php,/app/vendor/bin/roadrunner-worker',
        'http.pool.num_workers=8',
        'http.pool.max_jobs=500',
        'rpc.listen=tcp://127.0.0.1:6001',
        'http.pool.supervisor.exec_ttl=30s',
        'http.static.dir=/app/public',
        'http.middleware=static',
        'logs.mode=production',
        'logs.level=debug',
        'logs.output=stdout',
        'logs.encoding=json',
      ],
    })
    assert.deepEqual(c.server?.command, ['/usr/bin/php', '/app/vendor/bin/roadrunner-worker'])
    assert.deepEqual(c.http?.middleware, ['static'])
    assert.deepEqual(c.http?.static, { dir: '/app/public' })
    assert.equal(c.http?.pool.max_jobs, 500)
    assert.deepEqual(c.logs.output, ['stdout'])
  })

  it('strips quotes and expands the value', (t) => {
    const c = load(t, BASE, {
      overrides: [
        'http.address="0.0.0.0:${PORT:-9000}"',
        `"server.env.greeting='hi there'"`,
        "server.env.quote='it\\'s'",
      ],
    })
    assert.equal(c.http?.address, '0.0.0.0:9000')
    assert.equal(c.server?.env.GREETING, 'hi there')
    assert.equal(c.server?.env.QUOTE, "it's")
  })

  it('keeps non-canonical numbers as strings', (t) => {
    const c = load(t, BASE, { overrides: ['server.env.VERSION=1.10', 'server.env.ZIP=007'] })
    assert.deepEqual(c.server?.env, { VERSION: '1.10', ZIP: '007' })
  })

  it('tags schema errors caused by an override', (t) => {
    assert.deepEqual(loadError(t, BASE, { overrides: ['http.pool.num_workers=many'] }), [
      '.rr.yaml: http.pool.num_workers: expected a non-negative integer, got "many" (set with -o)',
    ])
  })

  it('rejects malformed flags', (t) => {
    assert.deepEqual(loadError(t, BASE, { overrides: ['http.address'] }), [
      '.rr.yaml: -o http.address: expected key=value',
    ])
    assert.deepEqual(loadError(t, BASE, { overrides: ['http.address='] }), [
      '.rr.yaml: -o http.address=: the value must not be empty',
    ])
    assert.deepEqual(loadError(t, BASE, { overrides: ['=x'] }), [
      '.rr.yaml: -o =x: the key must not be empty',
    ])
    assert.deepEqual(loadError(t, BASE, { overrides: ['http..address=x'] }), [
      '.rr.yaml: -o http..address=x: invalid key "http..address"',
    ])
    assert.deepEqual(loadError(t, BASE, { overrides: ['http.address.port=1'] }), [
      '.rr.yaml: -o http.address.port=1: http.address is "127.0.0.1:8080", not a map',
    ])
    assert.deepEqual(loadError(t, BASE, { overrides: ['http.address=${NOPE}'] }), [
      '.rr.yaml: http.address: environment variable NOPE is not set (use ${NOPE:-default} to give a default) (set with -o)',
    ])
  })
})

describe('loadConfig: dotenv, envfile, workdir, include', () => {
  it('--dotenv fills in variables missing from the environment', (t) => {
    const c = load(
      t,
      `${BASE}  pool:\n    num_workers: \${WORKERS}\nrpc:\n  listen: tcp://127.0.0.1:\${RPC_PORT}\n`,
      { dotenv: 'conf/.env', env: { RPC_PORT: '7000' } },
      { 'conf/.env': '# settings\nWORKERS=5\nRPC_PORT=9999\nQUOTED="a b"\n' },
    )
    assert.equal(c.http?.pool.num_workers, 5)
    assert.equal(c.rpc?.listen, 'tcp://127.0.0.1:7000') // the real environment wins
    assert.deepEqual(c.dotenv, { WORKERS: '5', QUOTED: 'a b' })
  })

  it('envfile: is relative to the config file and loses to --dotenv and the environment', (t) => {
    const dir = tmp(t, {
      'app/.rr.yaml': `version: "3"\nenvfile: .env\nkv:\n  x:\n    a: \${A}\n    b: \${B}\n    c: \${C}\n`,
      'app/.env': 'A=envfile\nB=envfile\nC=envfile\n',
      'dot.env': 'B=dotenv\n',
    })
    const c = loadConfig({
      file: 'app/.rr.yaml',
      workdir: dir,
      dotenv: 'dot.env',
      env: { C: 'process' },
    })
    assert.deepEqual(c.kv?.x, { a: 'envfile', b: 'dotenv', c: 'process' })
    assert.deepEqual(c.dotenv, { A: 'envfile', B: 'dotenv' })
  })

  it('a missing or malformed dotenv file is an error', (t) => {
    assert.deepEqual(loadError(t, BASE, { dotenv: 'missing.env' }), [
      'missing.env: cannot read the dotenv file (no such file)',
    ])
    assert.deepEqual(loadError(t, BASE, { dotenv: 'bad.env' }, { 'bad.env': 'A=1\nB\n' }), [
      'bad.env:2: expected KEY=VALUE, got "B"',
    ])
  })

  it('workdir defaults to the config directory; an explicit one resolves the file', (t) => {
    const dir = tmp(t, { 'sub/.rr.yaml': BASE })
    const a = loadConfig({ file: join(dir, 'sub/.rr.yaml'), env: {} })
    assert.equal(a.workdir, join(dir, 'sub'))
    assert.equal(a.file, join(dir, 'sub/.rr.yaml'))
    const b = loadConfig({ file: 'sub/.rr.yaml', workdir: dir, env: {} })
    assert.equal(b.workdir, dir)
    assert.equal(b.file, join(dir, 'sub/.rr.yaml'))
  })

  it('include: merges files key by key, later files win', (t) => {
    const c = load(
      t,
      `${BASE}include: [inc/logs.yaml, inc/more.yaml]\nlogs:\n  mode: production\n  level: error\n`,
      { env: { LVL: 'info' } },
      {
        'inc/logs.yaml': 'version: "3"\nlogs:\n  level: debug\n',
        'inc/more.yaml':
          'version: "3"\nlogs:\n  level: ${LVL}\nrpc:\n  listen: tcp://127.0.0.1:6010\n',
      },
    )
    assert.equal(c.logs.mode, 'production')
    assert.equal(c.logs.level, 'info')
    assert.equal(c.rpc?.listen, 'tcp://127.0.0.1:6010')
  })

  it('include: -o include=... works, and -o wins over included files', (t) => {
    const c = load(
      t,
      BASE,
      { overrides: ['include=a.yaml b.yaml', 'logs.level=warn'] },
      {
        'a.yaml': 'version: "3"\nlogs:\n  level: debug\n  mode: raw\n',
        'b.yaml': 'version: "3"\nrpc: {}\n',
      },
    )
    assert.equal(c.logs.level, 'warn')
    assert.equal(c.logs.mode, 'raw')
    assert.deepEqual(c.rpc, { listen: 'tcp://127.0.0.1:6001', listen_set: false })
  })

  it('include: an included file needs version 3', (t) => {
    assert.deepEqual(
      loadError(t, `${BASE}include: [old.yaml]\n`, {}, { 'old.yaml': 'version: "2.7"\n' }),
      [
        'old.yaml: version: an included file must have the same version as .rr.yaml ("3"), got "2.7"',
      ],
    )
  })
})
