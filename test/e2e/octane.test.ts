// bin/courser driven exactly the way Laravel Octane drives the `rr` binary
// (laravel/octane src/Commands/StartRoadRunnerCommand.php, RoadRunner/ServerProcessInspector.php):
// `--version`, `-c <file> -o … serve` (serve last), `reset -o rpc.listen=… -s`, and Octane's reading
// of the JSON log lines on stdout. Plus `workers`, `stop`, /metrics, /ready, and bad configs.
// Run `npm run build` first: bin/courser runs dist/.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { ROOT, childPids, freePort, startCourser, waitFor } from '../helpers/courser-process.ts'
import { tempDir } from '../helpers/pool.ts'

const run = promisify(execFile)
const COURSER = join(ROOT, 'bin/courser')
const WORKER = join(ROOT, 'test/fixtures/workers/rpc-metrics.php')

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** Runs bin/courser to completion (async: never blocks the servers of this process). */
async function courser(args: string[], cwd = ROOT): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [COURSER, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }
  }
}

/** An Octane-like app dir: an empty .rr.yaml (Octane `touch`es it) and a public/ directory. */
function appDir(t: TestContext): string {
  const dir = tempDir(t, 'courser-octane-')
  writeFileSync(join(dir, '.rr.yaml'), '')
  mkdirSync(join(dir, 'public'))
  writeFileSync(join(dir, 'public', 'robots.txt'), 'User-agent: *\n')
  return dir
}

/** What Octane's writeServerOutput() does with one stdout line; throws where PHP would warn. */
function octaneReads(line: string): { request?: Record<string, unknown>; raw?: string } {
  const debug = JSON.parse(line) as Record<string, unknown>
  for (const key of ['msg', 'logger', 'level']) {
    assert.ok(key in debug, `every JSON line needs "${key}" (Octane reads it): ${line}`)
  }
  if (debug['logger'] === 'server') return { raw: String(debug['msg']) }
  if (
    debug['level'] === 'info' &&
    debug['remote_address'] !== undefined &&
    debug['msg'] === 'http log'
  ) {
    return { request: debug }
  }
  return {}
}

test('--version: "rr version X.Y.Z …" with X.Y.Z >= 2023.3.0 as the third word', async () => {
  const { code, stdout } = await courser(['--version'])
  assert.equal(code, 0)
  const third = stdout.trim().split(/\s+/)[2] ?? ''
  assert.match(stdout, /^rr version /)
  assert.match(third, /^\d+\.\d+\.\d+$/)
  const [major, minor] = third.split('.').map(Number) as [number, number]
  assert.ok(major > 2023 || (major === 2023 && minor >= 3), third)
})

test("Octane's command lines: serve, JSON logs, workers, reset -s, /metrics, /ready", async (t) => {
  const dir = appDir(t)
  const [httpPort, rpcPort, metricsPort, statusPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const rpc = `tcp://127.0.0.1:${rpcPort}`
  const server = await startCourser(
    [
      '-c',
      join(dir, '.rr.yaml'),
      '-o',
      'version=3',
      '-o',
      `http.address=127.0.0.1:${httpPort}`,
      '-o',
      `server.command=php,${WORKER}`,
      '-o',
      'http.pool.num_workers=3',
      '-o',
      'http.pool.max_jobs=500',
      '-o',
      `rpc.listen=${rpc}`,
      '-o',
      'http.pool.supervisor.exec_ttl=30s',
      '-o',
      'http.static.dir=public',
      '-o',
      'http.middleware=static',
      '-o',
      'logs.mode=production',
      '-o',
      'logs.level=debug',
      '-o',
      'logs.output=stdout',
      '-o',
      'logs.encoding=json',
      '-o',
      `metrics.address=127.0.0.1:${metricsPort}`,
      '-o',
      `status.address=127.0.0.1:${statusPort}`,
      'serve',
    ],
    20_000,
    { cwd: dir },
  )
  t.after(() => server.stop())
  assert.equal(server.port, httpPort)
  const base = `http://127.0.0.1:${httpPort}`

  await t.test('-o http.pool.num_workers=3 gives 3 PHP workers, and they see RR_RPC', async () => {
    assert.ok(await waitFor(() => childPids(server.child.pid!).length === 3, 5000))
    const res = await fetch(`${base}/hello`)
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { rpc: string }).rpc, rpc)
  })

  await t.test('stdout is JSON lines Octane can read, with an "http log" per request', async () => {
    await (await fetch(`${base}/octane?x=1`)).arrayBuffer()
    const seen = await waitFor(() => server.stdout().includes('"URI":"/octane?x=1"'), 5000)
    assert.ok(seen, server.stdout())
    const lines = server
      .stdout()
      .split('\n')
      .filter((l) => l !== '')
    const requests = lines.map(octaneReads).flatMap((r) => (r.request ? [r.request] : []))
    const hit = requests.find((r) => r['URI'] === '/octane?x=1')
    assert.ok(hit, server.stdout())
    assert.equal(hit['method'], 'GET')
    assert.equal(hit['status'], 200)
    assert.equal(hit['remote_address'], '127.0.0.1')
    assert.equal(typeof hit['elapsed'], 'number') // seconds, as zap's production encoder writes
    assert.ok((hit['elapsed'] as number) < 5)
  })

  await t.test('courser workers lists the pids that ps shows as the server children', async () => {
    const { code, stdout } = await courser(['workers', '-o', `rpc.listen=${rpc}`], dir)
    assert.equal(code, 0)
    assert.match(stdout, /^Workers of \[http\]:$/m)
    const listed = [...stdout.matchAll(/^\|\s+(\d+) \| (\w+)/gm)].map((m) => Number(m[1]))
    assert.deepEqual(listed.sort(), childPids(server.child.pid!).sort())
    const { stdout: ps } = await run('ps', ['-o', 'pid=,args=', '-p', listed.join(',')], {
      encoding: 'utf8',
    })
    assert.equal(
      ps
        .trim()
        .split('\n')
        .filter((l) => l.includes('rpc-metrics.php')).length,
      3,
      ps,
    )
  })

  await t.test('reset -o rpc.listen=… -s: exit 0, silent, every worker replaced', async () => {
    const before = childPids(server.child.pid!)
    const { code, stdout, stderr } = await courser(['reset', '-o', `rpc.listen=${rpc}`, '-s'], dir)
    assert.deepEqual({ code, stdout, stderr }, { code: 0, stdout: '', stderr: '' })
    const after = childPids(server.child.pid!)
    assert.equal(after.length, 3)
    for (const pid of after) assert.ok(!before.includes(pid), `worker ${pid} is new`)
    const res = await fetch(`${base}/after-reset`)
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  })

  await t.test('/metrics has worker, request and PHP-declared application metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.match(text, /^rr_http_total_workers 3$/m)
    assert.match(text, /^rr_http_request_total\{status="200"\} \d+$/m)
    assert.match(text, /^app_requests\{path="\/after-reset"\} 1$/m)
  })

  await t.test('/ready and /health answer 200 with a report for http', async () => {
    for (const path of ['/ready', '/health?plugin=http']) {
      const res = await fetch(`http://127.0.0.1:${statusPort}${path}`)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), [
        { plugin_name: 'http', error_message: '', status_code: 200 },
      ])
    }
  })

  await t.test('SIGTERM (how Octane stops it) exits 0', async () => {
    assert.equal(await server.stop(), 0)
  })
})

test('serve -p writes .pid; courser stop ends the server gracefully and the file goes', async (t) => {
  const dir = appDir(t)
  const server = await startCourser(
    [
      '-c',
      '.rr.yaml',
      '-o',
      'version=3',
      '-o',
      'http.address=127.0.0.1:0',
      '-o',
      `server.command=php ${join(ROOT, 'test/fixtures/workers/echo.php')}`,
      '-o',
      'http.pool.num_workers=1',
      'serve',
      '-p',
    ],
    20_000,
    { cwd: dir },
  )
  t.after(() => server.stop())
  assert.ok(await waitFor(() => existsSync(join(dir, '.pid')), 5000))
  const { code, stdout } = await courser(['stop'], dir)
  assert.equal(code, 0)
  assert.equal(stdout, `stopping process with PID: ${server.child.pid}\n`)
  // The server may already have exited while `courser stop` was returning.
  const exit =
    server.child.exitCode ??
    (await new Promise<number | null>((resolve) => server.child.once('exit', resolve)))
  assert.equal(exit, 0)
  assert.equal(existsSync(join(dir, '.pid')), false)
  const again = await courser(['stop'], dir)
  assert.equal(again.code, 1)
  assert.match(
    again.stderr,
    /^courser: cannot use the \.pid file: .*\.pid: ENOENT; start the server with `courser serve -p`/,
  )
})

test('control commands without a server: exit 1 with one line on stderr', async () => {
  const port = await freePort()
  for (const args of [
    ['reset', '-o', `rpc.listen=tcp://127.0.0.1:${port}`, '-s'],
    ['workers', '-o', `rpc.listen=tcp://127.0.0.1:${port}`],
  ]) {
    const { code, stderr } = await courser(args)
    assert.equal(code, 1, args.join(' '))
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
    assert.match(
      stderr,
      /^courser: cannot reach the RPC server: tcp:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    )
  }
  const noRpc = await courser(['reset', '-c', 'test/fixtures/configs/echo.rr.yaml'])
  assert.equal(noRpc.code, 1)
  assert.match(noRpc.stderr, /^courser: rpc is not configured: .*echo\.rr\.yaml: no rpc section/)
})

test('--help for every command', async () => {
  for (const cmd of ['serve', 'reset', 'workers', 'stop']) {
    const { code, stdout } = await courser([cmd, '--help'])
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`^Usage: courser ${cmd}`))
  }
  const { stdout } = await courser(['workers', '--help'])
  assert.match(stdout, /-i, --interactive/)
})

const BAD_CONFIGS: [string, string, RegExp][] = [
  [
    'wrong type',
    'version: "3"\nserver:\n  command: php w.php\nhttp:\n  address: 127.0.0.1:0\n  pool:\n    num_workers: lots\n',
    /bad\.yaml: http\.pool\.num_workers: /,
  ],
  [
    'unknown key',
    'version: "3"\nserver:\n  command: php w.php\nhttp:\n  adress: 127.0.0.1:0\n',
    /bad\.yaml: http\.adress: /,
  ],
  ['missing version', 'server:\n  command: php w.php\n', /bad\.yaml: version/],
  [
    'unset env var',
    'version: "3"\nserver:\n  command: php ${COURSER_TEST_UNSET_VAR}\n',
    /bad\.yaml: server\.command: .*COURSER_TEST_UNSET_VAR/,
  ],
  [
    'broken YAML',
    'version: "3"\nserver:\n  command: [php\n',
    /bad\.yaml: YAML syntax error at line \d+/,
  ],
]

for (const [what, yaml, pattern] of BAD_CONFIGS) {
  test(`bad config (${what}): exit 1, one stderr line naming file and key`, async (t) => {
    const dir = tempDir(t, 'courser-bad-')
    writeFileSync(join(dir, 'bad.yaml'), yaml)
    const { code, stdout, stderr } = await courser(['-c', 'bad.yaml', 'serve'], dir)
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.equal(stderr.endsWith('\n') && stderr.trim().split('\n').length, 1, stderr)
    assert.match(stderr, /^courser: invalid configuration: /)
    assert.match(stderr, pattern)
  })
}

test('a bad -o override names the key and says it came from -o', async () => {
  const { code, stderr } = await courser([
    '-c',
    'test/fixtures/configs/echo.rr.yaml',
    '-o',
    'http.pool.num_workers=x',
    'serve',
  ])
  assert.equal(code, 1)
  assert.equal(stderr.trim().split('\n').length, 1, stderr)
  assert.match(stderr, /echo\.rr\.yaml: http\.pool\.num_workers: .*\(set with -o\)/)
})
