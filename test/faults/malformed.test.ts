// Malformed input from both sides: garbage and truncated frames from a real PHP worker (each is a 5xx
// and a logged worker restart, never a crash), and malformed HTTP over raw TCP (each is a clear 4xx).
// After every case a normal request must succeed.

import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { prng, randInt } from '../helpers/golden.ts'
import { dump } from '../helpers/log.ts'
import { startFaultServer, stopLeavingNoPhp, summary, type FaultServer } from '../helpers/load.ts'
import { waitFor } from '../helpers/process.ts'

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: await res.text() }
}

/** The pid of the one worker, once the pool is back to one ready worker. */
async function workerPid(server: FaultServer): Promise<number> {
  const w = await waitFor(
    'one ready worker',
    () => {
      const [only] = server.pool.list()
      return only?.state === 'ready' && server.pool.stats().spawning === 0 ? only : null
    },
    5000,
  )
  return w.pid
}

test('garbage and truncated frames from a real worker: 500, logged, worker restarted, never a crash', async (t) => {
  const server = await startFaultServer(t, {
    script: 'garbage.php',
    pool: { numWorkers: 1, allocateTimeoutMs: 5000 },
  })
  const fixed: [string, number][] = [
    ['short', 500],
    ['truncated', 500],
    ['truncated-exit', 500],
    ['bad-crc', 500],
    ['bad-options', 500],
    ['ctx-too-long', 500],
    ['huge-length', 500],
    ['control', 500],
    ['random-only&n=5', 500],
    ['late', 200],
  ]
  const rand = prng(20260611)
  const cases: { query: string; expect: number }[] = fixed.map(([mode, expect]) => ({
    query: `mode=${mode}`,
    expect,
  }))
  // Random garbage: before a valid response, instead of one, and truncated frames cut anywhere.
  for (let i = 0; i < 6; i++) {
    const seed = randInt(rand, 1e9)
    const n = 1 + randInt(rand, i % 2 ? 40 : 4000)
    cases.push({ query: `mode=random&n=${n}&seed=${seed}`, expect: 500 })
    cases.push({ query: `mode=random-only&n=${n}&seed=${seed}`, expect: 500 })
    cases.push({ query: `mode=truncated&n=${1 + randInt(rand, 90)}`, expect: 500 })
  }

  const results: string[] = []
  let restarts = 0
  const started = Date.now()
  for (const c of cases) {
    const before = await workerPid(server)
    const t0 = Date.now()
    const r = await get(server.base, `/fault?${c.query}`)
    const ms = Date.now() - t0
    results.push(`${c.query.slice(0, 24)}:${r.status}/${ms}ms`)
    assert.equal(r.status, c.expect, `${c.query}: ${r.status} ${r.body}`)
    // The worker is replaced; the server answers the next request normally.
    const after = await workerPid(server)
    assert.notEqual(after, before, `${c.query}: the worker was restarted`)
    restarts++
    const ok = await get(server.base, '/')
    assert.equal(ok.status, 200, `${c.query}: the next request`)
    assert.equal(Number(ok.body), after)
  }
  const exits = server.lines.filter((l) => l.msg.startsWith('worker exited'))
  const stdoutLines = server.lines.filter((l) => l['stream'] === 'stdout')
  summary(t, 'worker garbage fuzz', {
    cases: cases.length,
    restarts,
    exitLogLines: exits.length,
    strayOutputLines: stdoutLines.length,
    seconds: (Date.now() - started) / 1000,
    sample: results.slice(0, 12),
  })
  // Every restart is logged with its cause, and the process is gone.
  assert.equal(exits.length, cases.length, dump(exits))
  const codes = new Set(exits.map((l) => l['code']))
  for (const code of codes) {
    assert.ok(
      ['ERR_WORKER_STDOUT', 'ERR_PAYLOAD_BAD_OPTIONS', 'ERR_WORKER_EXITED'].includes(String(code)),
      String(code),
    )
  }
  const truncated = exits.find((l) => /not a whole frame/.test(l.msg))
  assert.ok(truncated, 'a truncated frame is reported as such')
  await stopLeavingNoPhp(server)
})

interface RawAnswer {
  status: number
  head: string
  ms: number
}

/** Writes `chunks` (with `gapMs` between them) on a fresh connection; resolves with the status line. */
function raw(
  port: number,
  chunks: (string | Buffer)[],
  opts: { gapMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const socket = connect(port, '127.0.0.1')
    let data = Buffer.alloc(0)
    let i = 0
    let timer: NodeJS.Timeout | undefined
    const done = (): void => {
      clearTimeout(timer)
      clearTimeout(deadline)
      socket.destroy()
      const head = data.toString('latin1').split('\r\n\r\n')[0] ?? ''
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head)
      resolve({ status: m ? Number(m[1]) : 0, head, ms: Date.now() - t0 })
    }
    const deadline = setTimeout(done, opts.timeoutMs ?? 5000)
    const writeNext = (): void => {
      const chunk = chunks[i++]
      if (chunk === undefined || socket.destroyed) return
      socket.write(chunk)
      timer = setTimeout(writeNext, opts.gapMs ?? 0)
    }
    socket.on('connect', writeNext)
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d])
      // One answer is enough: stop at the end of the first response head.
      if (data.includes('\r\n\r\n')) done()
    })
    socket.on('error', () => {})
    socket.on('close', done)
  })
}

const CRLF = '\r\n'
const req = (lines: string[], body = ''): string => lines.join(CRLF) + CRLF + CRLF + body

test('malformed HTTP over raw TCP: a clear 4xx each, and the server keeps serving', async (t) => {
  const HEADERS_TIMEOUT = 600
  const server = await startFaultServer(t, {
    script: 'echo.php',
    pool: { numWorkers: 1 },
    http: { headersTimeoutMs: HEADERS_TIMEOUT },
  })
  const { port } = server
  const multipart = (body: string, type = 'multipart/form-data; boundary=XX'): string =>
    req(
      [
        'POST /form HTTP/1.1',
        'Host: x',
        `Content-Type: ${type}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
      ],
      body,
    )
  const cases: { name: string; send: (string | Buffer)[]; expect: number; gapMs?: number }[] = [
    { name: 'garbage request line', send: ['GARBAGE' + CRLF + CRLF], expect: 400 },
    { name: 'request line without target', send: ['GET' + CRLF + CRLF], expect: 400 },
    { name: 'unknown HTTP version', send: [req(['GET / HTTP/9.9', 'Host: x'])], expect: 400 },
    {
      name: 'header line without colon',
      send: [req(['GET / HTTP/1.1', 'Host: x', 'Oops'])],
      expect: 400,
    },
    {
      name: 'space before colon',
      send: [req(['GET / HTTP/1.1', 'Host: x', 'X-A : b'])],
      expect: 400,
    },
    { name: 'bare LF line endings', send: ['GET / HTTP/1.1\nHost: x\n\n'], expect: 400 },
    {
      name: 'oversized headers (20 KB)',
      send: [req(['GET / HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20_000)}`])],
      expect: 431,
    },
    {
      name: 'Content-Length + Transfer-Encoding',
      send: [
        req(
          ['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Transfer-Encoding: chunked'],
          '0\r\n\r\n',
        ),
      ],
      expect: 400,
    },
    {
      name: 'two different Content-Lengths',
      send: [req(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Content-Length: 4'], 'abcd')],
      expect: 400,
    },
    {
      name: 'Transfer-Encoding not ending in chunked',
      send: [req(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip'], 'abc')],
      expect: 400,
    },
    {
      name: 'bad chunk size',
      send: [
        req(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked'], 'ZZ\r\nabc\r\n0\r\n\r\n'),
      ],
      expect: 400,
    },
    {
      name: 'NUL in the path',
      send: [Buffer.from(req(['GET /a\0b HTTP/1.1', 'Host: x']), 'latin1')],
      expect: 400,
    },
    {
      name: 'NUL in a header value',
      send: [Buffer.from(req(['GET / HTTP/1.1', 'Host: x', 'X-A: a\0b']), 'latin1')],
      expect: 400,
    },
    {
      name: 'control byte in the path',
      send: [Buffer.from(req(['GET /a\x01b HTTP/1.1', 'Host: x']), 'latin1')],
      expect: 400,
    },
    {
      name: 'invalid UTF-8 in the path',
      send: [
        Buffer.concat([
          Buffer.from('GET /a'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
        ]),
      ],
      expect: 400,
    },
    {
      name: 'multipart without boundary',
      send: [multipart('--XX\r\n', 'multipart/form-data')],
      expect: 400,
    },
    {
      name: 'multipart truncated (no closing boundary)',
      send: [multipart('--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue')],
      expect: 400,
    },
    {
      name: 'multipart part without headers end',
      send: [multipart('--XX\r\nContent-Disposition: form-data; name="a"\r\nno-blank-line')],
      expect: 400,
    },
    {
      name: 'slowloris: one header line every 150 ms',
      send: ['GET / HTTP/1.1\r\n', ...Array.from({ length: 30 }, (_, i) => `X-${i}: 1\r\n`)],
      gapMs: 150,
      expect: 408,
    },
    { name: 'connection that sends nothing', send: [], expect: 408 },
  ]
  const results: string[] = []
  for (const c of cases) {
    const r = await raw(port, c.send, { gapMs: c.gapMs })
    results.push(`${c.name}:${r.status}`)
    assert.equal(r.status, c.expect, `${c.name}: ${JSON.stringify(r.head)}`)
    if (c.expect === 408) {
      // Cut by headers_timeout (checked every quarter of it), not by the client giving up.
      assert.ok(r.ms < HEADERS_TIMEOUT * 2 + 500, `${c.name}: answered after ${r.ms} ms`)
    }
    const ok = await get(server.base, '/pid')
    assert.equal(ok.status, 200, `after ${c.name}`)
  }

  // Accepted on purpose: obs-text (bytes >= 0x80) in header values is legal HTTP (RFC 9110); the
  // worker gets the value as Node decodes it (Latin-1). Percent-encoded bytes pass unchanged.
  const obs = await raw(port, [
    Buffer.concat([
      Buffer.from('GET /obs%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: a'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('\r\n\r\n'),
    ]),
  ])
  results.push(`obs-text header + %FF path:${obs.status}`)
  assert.equal(obs.status, 200)

  const errors = server.lines.filter((l) => l.level >= 50)
  summary(t, 'malformed HTTP', { cases: cases.length + 1, results })
  // Only the multipart and chunked cases reach the request handler; none of them needs a worker.
  for (const l of errors) {
    assert.ok(['ERR_HTTP_BAD_FORM', 'ERR_HTTP_BAD_REQUEST'].includes(String(l['code'])), dump([l]))
  }
  assert.equal(server.lines.filter((l) => l.msg.startsWith('worker exited')).length, 0)
})
