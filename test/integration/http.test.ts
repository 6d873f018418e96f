// The http plugin end to end: real HTTP clients, a real node:http server, real PHP workers.

import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { isAbsolute, dirname } from 'node:path'
import { describe, test } from 'node:test'
import { rawRequest, startHttp } from '../helpers/http.ts'
import { LEVEL, dump } from '../helpers/log.ts'
import { waitFor } from '../helpers/process.ts'
import { WORKERS, parseEcho } from '../helpers/pool.ts'

interface EchoContext {
  remoteAddr: string
  protocol: string
  method: string
  uri: string
  headers: Record<string, string[]>
  cookies: Record<string, string> | []
  rawQuery: string
  parsed: boolean
  uploads: Record<string, unknown> | null
}

interface Echo {
  context: EchoContext
  body: string
  pid: number
}

interface UploadLeaf {
  name: string
  mime: string
  size: number
  error: number
  tmpName: string
}

async function echoOf(res: Response): Promise<Echo> {
  assert.equal(res.status, 200, `status ${res.status}`)
  return (await res.json()) as Echo
}

/** Sends raw bytes over TCP (the request must make the server close: HTTP/1.0 or Connection: close). */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
  })
}

describe('request context (spec §4.1)', () => {
  test('GET: remoteAddr, protocol, method, absolute uri, rawQuery, canonical headers, cookies', async (t) => {
    const { base, port, lines } = await startHttp(t)
    const res = await rawRequest(`${base}/some/path?a=1&b=%20x`, {
      headers: {
        'x-lower-case': 'y',
        'X-UPPER': 'z',
        'X-Multi': ['a', 'b'],
        Cookie: 'plain=1; spaced=b%20c; plus=d+e; bad=%zz; quoted="q"',
      },
    })
    assert.equal(res.status, 200)
    const { context: ctx, body } = JSON.parse(res.body.toString()) as Echo
    assert.equal(ctx.remoteAddr, '127.0.0.1')
    assert.equal(ctx.protocol, 'HTTP/1.1')
    assert.equal(ctx.method, 'GET')
    assert.equal(ctx.uri, `http://127.0.0.1:${port}/some/path?a=1&b=%20x`)
    assert.equal(ctx.rawQuery, 'a=1&b=%20x')
    assert.equal(ctx.parsed, false)
    assert.equal(ctx.uploads, null)
    assert.equal(body, '')

    assert.deepEqual(ctx.headers['X-Lower-Case'], ['y'])
    assert.deepEqual(ctx.headers['X-Upper'], ['z'])
    assert.deepEqual(ctx.headers['X-Multi'], ['a', 'b'])
    assert.ok(ctx.headers['Cookie'], 'Cookie stays in the headers')
    assert.equal(ctx.headers['Host'], undefined)
    for (const name of Object.keys(ctx.headers)) {
      assert.match(name, /^[A-Z0-9][a-z0-9]*(-[A-Z0-9][a-z0-9]*)*$/, `canonical: ${name}`)
    }
    assert.deepEqual(ctx.cookies, { plain: '1', spaced: 'b c', plus: 'd e', quoted: 'q' })

    const access = lines.find((l) => l.msg === 'http log')
    assert.ok(access, dump(lines))
    assert.equal(access['method'], 'GET')
    assert.equal(access['status'], 200)
    assert.equal(access['URI'], '/some/path?a=1&b=%20x')
  })

  test('no cookies is an empty object; HTTP/1.0 is reported as such', async (t) => {
    const { base, port } = await startHttp(t)
    const echo = await echoOf(await fetch(`${base}/`))
    assert.deepEqual(echo.context.cookies, []) // PHP decodes {} to an empty array
    const raw = await rawExchange(port, 'GET /old?x=1 HTTP/1.0\r\nHost: example.test\r\n\r\n')
    assert.match(raw, /^HTTP\/1\.1 200 /)
    const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Echo
    assert.equal(json.context.protocol, 'HTTP/1.0')
    assert.equal(json.context.uri, 'http://example.test/old?x=1')
  })

  test('an absolute-form request target is used as the uri as is', async (t) => {
    const { port } = await startHttp(t)
    const raw = await rawExchange(
      port,
      'GET http://proxy.test:8080/abs?q=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n',
    )
    const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Echo
    assert.equal(json.context.uri, 'http://proxy.test:8080/abs?q=1')
    assert.equal(json.context.rawQuery, 'q=1')
  })
})

describe('request bodies (spec §4.4-4.6)', () => {
  test('urlencoded POST: parsed true, body is the data tree', async (t) => {
    const { base } = await startHttp(t)
    const echo = await echoOf(
      await fetch(`${base}/form?q=1`, {
        method: 'POST',
        body: new URLSearchParams('a=1&a=2&b[]=2&b[]=3&c[x][y]=4&z=&d[0]=x'),
      }),
    )
    assert.equal(echo.context.parsed, true)
    assert.equal(echo.context.rawQuery, 'q=1')
    assert.equal(echo.body, '{"a":"2","b":["2","3"],"c":{"x":{"y":"4"}},"d":{"0":"x"},"z":""}')
  })

  test('an urlencoded body that cannot form a tree is a 400 naming the key', async (t) => {
    const { base, http } = await startHttp(t)
    const res = await fetch(`${base}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&a[x]=2',
    })
    assert.equal(res.status, 400)
    assert.match(await res.text(), /a\[x\]/)
    assert.equal(http.pool?.list()[0]?.execs, 0, 'no worker was used')
  })

  test('JSON body is passed raw, parsed false', async (t) => {
    const { base } = await startHttp(t)
    const json = '{"x":[1,2],"y":"é"}'
    const echo = await echoOf(
      await fetch(`${base}/api`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: json,
      }),
    )
    assert.equal(echo.context.parsed, false)
    assert.equal(echo.context.method, 'PUT')
    assert.equal(echo.body, json)
    assert.deepEqual(echo.context.headers['Content-Type'], ['application/json'])
  })

  test('multipart: fields in the body, files in uploads, forbidden .php gets error 8', async (t) => {
    const { base, uploadsDir } = await startHttp(t, { script: 'uploads.php' })
    const fd = new FormData()
    fd.append('f', 'v')
    fd.append('list[]', '1')
    fd.append('list[]', '2')
    fd.append('up', new Blob(['hello'], { type: 'text/plain' }), 'h.txt')
    fd.append('many[]', new Blob(['one']), 'a.bin')
    fd.append('many[]', new Blob(['two!']), 'b.bin')
    fd.append('bad', new Blob(['<?php echo 1;']), 'x.PHP')
    const res = await fetch(`${base}/upload`, { method: 'POST', body: fd })
    assert.equal(res.status, 200)
    const out = (await res.json()) as Echo & { files: Record<string, string | null> }
    assert.equal(out.context.parsed, true)
    assert.equal(out.body, '{"f":"v","list":["1","2"]}')

    const uploads = out.context.uploads as {
      up: UploadLeaf
      many: UploadLeaf[]
      bad: UploadLeaf
    }
    assert.deepEqual(Object.keys(uploads), ['bad', 'many', 'up'])
    const { up, many, bad } = uploads
    assert.equal(up.name, 'h.txt')
    assert.equal(up.mime, 'text/plain')
    assert.equal(up.size, 5)
    assert.equal(up.error, 0)
    assert.ok(isAbsolute(up.tmpName) && dirname(up.tmpName) === uploadsDir, up.tmpName)
    assert.deepEqual(
      many.map((m) => [m.name, m.size, m.error]),
      [
        ['a.bin', 3, 0],
        ['b.bin', 4, 0],
      ],
    )
    assert.deepEqual(bad, {
      name: 'x.PHP',
      mime: 'application/octet-stream',
      size: 0,
      error: 8,
      tmpName: '',
    })
    // The worker could read every accepted file during the request...
    assert.deepEqual(out.files, {
      [up.tmpName]: 'hello',
      [many[0]!.tmpName]: 'one',
      [many[1]!.tmpName]: 'two!',
    })
    // ...and they are gone once the response is done.
    await waitFor('temp files to be removed', () => readdirSync(uploadsDir).length === 0)
    assert.equal(existsSync(up.tmpName), false)
  })

  test('upload temp files are removed after a failed request too', async (t) => {
    const { base, uploadsDir } = await startHttp(t, { script: 'uploads.php' })
    const fd = new FormData()
    fd.append('up', new Blob(['data']), 'd.txt')
    const res = await fetch(`${base}/error`, { method: 'POST', body: fd })
    assert.equal(res.status, 500)
    await waitFor('temp files to be removed', () => readdirSync(uploadsDir).length === 0)
  })

  test('upload temp files are removed when the client goes away mid-request', async (t) => {
    const { base, uploadsDir, http } = await startHttp(t)
    const fd = new FormData()
    fd.append('up', new Blob(['data']), 'd.txt')
    const encoded = new Response(fd)
    const body = Buffer.from(await encoded.arrayBuffer())
    const req = httpRequest(`${base}/sleep?ms=300`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
      agent: false,
    })
    req.on('error', () => {}) // the client goes away on purpose
    req.end(body)
    await waitFor('the worker to be busy', () => http.pool?.stats().busy === 1)
    assert.equal(readdirSync(uploadsDir).length, 1, 'the upload is on disk during the request')
    req.destroy()
    await waitFor('the worker to finish', () => http.pool?.stats().ready === 1)
    await waitFor('temp files to be removed', () => readdirSync(uploadsDir).length === 0, 1000)
  })

  test('HEAD and OPTIONS bodies are never read', async (t) => {
    const { base } = await startHttp(t)
    const head = await rawRequest(`${base}/raw`, {
      method: 'HEAD',
      headers: { 'content-type': 'text/plain', 'content-length': '3' },
      body: 'abc',
    })
    assert.equal(head.status, 200)
    assert.equal(head.headers['x-length'], '0', 'the worker got an empty body')
    assert.equal(head.body.length, 0)
    const options = await rawRequest(`${base}/opt`, {
      method: 'OPTIONS',
      headers: { 'content-type': 'text/plain', 'content-length': '3' },
      body: 'abc',
    })
    const echo = JSON.parse(options.body.toString()) as Echo
    assert.equal(echo.context.method, 'OPTIONS')
    assert.equal(echo.body, '')
  })

  test('a body over max_request_size is a 413 (Content-Length declared), no worker involved', async (t) => {
    const { base, http } = await startHttp(t, { body: { maxBytes: 1000 } })
    const res = await rawRequest(`${base}/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': '1001' },
      body: Buffer.alloc(1001, 0x61),
    })
    assert.equal(res.status, 413)
    assert.equal(http.pool?.list()[0]?.execs, 0)
    // Exactly at the limit is fine.
    const ok = await fetch(`${base}/big`, { method: 'POST', body: Buffer.alloc(1000, 0x61) })
    assert.equal((await echoOf(ok)).body.length, 1000)
  })

  test('a body over max_request_size is a 413 with chunked transfer too', async (t) => {
    const { base, http } = await startHttp(t, { body: { maxBytes: 1000 } })
    const res = await rawRequest(`${base}/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Array.from({ length: 6 }, () => Buffer.alloc(300, 0x62)),
    })
    assert.equal(res.status, 413)
    assert.equal(http.pool?.list()[0]?.execs, 0)
  })

  test('a multipart body over max_request_size is a 413', async (t) => {
    const { base, uploadsDir } = await startHttp(t, { body: { maxBytes: 1000 } })
    const fd = new FormData()
    fd.append('up', new Blob([Buffer.alloc(5000, 0x63)]), 'big.txt')
    const res = await fetch(`${base}/upload`, { method: 'POST', body: fd })
    assert.equal(res.status, 413)
    await waitFor('temp files to be removed', () => readdirSync(uploadsDir).length === 0)
  })
})

describe('responses and errors (spec §4.7-4.9)', () => {
  test('status 418, multi-value headers as repeated lines, two Set-Cookie lines', async (t) => {
    const { base } = await startHttp(t)
    const res = await rawRequest(`${base}/status`)
    assert.equal(res.status, 418)
    assert.equal(res.body.toString(), 'teapot')
    const lines: [string, string][] = []
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!])
    }
    assert.deepEqual(
      lines.filter(([k]) => k === 'x-multi').map(([, v]) => v),
      ['a', 'b'],
    )
    assert.deepEqual(
      lines.filter(([k]) => k === 'set-cookie').map(([, v]) => v),
      ['a=1', 'b=2'],
    )
    const viaFetch = await fetch(`${base}/status`)
    assert.deepEqual(viaFetch.headers.getSetCookie(), ['a=1', 'b=2'])
    await viaFetch.arrayBuffer()
  })

  test('a request whose client left while it waited for a worker is not run (ERR_POOL_CANCELLED, 499)', async (t) => {
    const { base, port, lines, http } = await startHttp(t, { pool: { numWorkers: 1 } })
    const pool = http.pool!
    const busy = fetch(`${base}/sleep?ms=400`) // holds the only worker
    await waitFor('the worker busy', () => pool.stats().busy === 1, 2000)
    const gone = connect(port, '127.0.0.1')
    gone.write('GET /abandoned HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor('the request queued', () => pool.stats().queued === 1, 2000)
    gone.destroy()
    assert.equal((await busy).status, 200)
    await waitFor('the queue empty', () => pool.stats().queued === 0, 2000)
    const res = await fetch(`${base}/after`)
    assert.equal(res.status, 200)
    assert.equal(
      parseEcho(Buffer.from(await res.arrayBuffer())).context.uri,
      `http://127.0.0.1:${port}/after`,
    )
    assert.equal(pool.list()[0]!.execs, 2, 'the sleep and /after ran; /abandoned did not')
    const line = lines.find((l) => l.code === 'ERR_POOL_CANCELLED')
    assert.ok(line, dump(lines))
    assert.equal(line.level, LEVEL.info)
    assert.equal(line.URI, '/abandoned')
    assert.ok(
      lines.some((l) => l.msg === 'http log' && l.URI === '/abandoned' && l.status === 499),
      dump(lines),
    )
  })

  test('normal responses carry Content-Length (not chunked)', async (t) => {
    const { base } = await startHttp(t)
    for (const path of ['/pid', '/status', '/x?y=1']) {
      const res = await rawRequest(`${base}${path}`)
      assert.equal(res.headers['content-length'], String(res.body.length), path)
      assert.equal(res.headers['transfer-encoding'], undefined, path)
    }
  })

  test('a soft error is the internal error code with an empty body and no No-Workers', async (t) => {
    const { base, lines } = await startHttp(t, { internalErrorCode: 502 })
    const res = await fetch(`${base}/error`)
    assert.equal(res.status, 502)
    assert.equal(await res.text(), '')
    assert.equal(res.headers.get('no-workers'), null)
    const logged = lines.find((l) => l['code'] === 'ERR_WORKER_SOFT_ERROR')
    assert.ok(logged, dump(lines))
    assert.match(logged.msg, /boom from worker/)
    // The worker is still serving.
    assert.equal((await fetch(`${base}/pid`)).status, 200)
  })

  test('a crashed worker is a 500 without No-Workers; the next request is served', async (t) => {
    const { base } = await startHttp(t)
    const res = await fetch(`${base}/exit`)
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('no-workers'), null)
    await res.arrayBuffer()
    assert.equal((await fetch(`${base}/pid`)).status, 200)
  })

  test('a pool that cannot boot answers 500 + No-Workers: true', async (t) => {
    const { base } = await startHttp(t, { command: ['php', `${WORKERS}/exit-at-boot.php`] })
    const res = await fetch(`${base}/`)
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('no-workers'), 'true')
    assert.equal(await res.text(), '')
  })

  test('allocate timeout answers 500 + No-Workers: true', async (t) => {
    const { base } = await startHttp(t, { pool: { allocateTimeoutMs: 400 } })
    const slow = fetch(`${base}/sleep?ms=1000`)
    await waitFor('the worker to be busy', async () => {
      // The slow request is in flight once the single worker is taken.
      const r = await fetch(`${base}/pid`)
      const busy = r.status === 500
      if (busy) {
        assert.equal(r.headers.get('no-workers'), 'true')
        assert.equal(await r.text(), '')
      } else await r.arrayBuffer()
      return busy
    })
    assert.equal((await slow).status, 200)
  })

  test('queue full answers 500 + No-Workers: true', async (t) => {
    const { base, http } = await startHttp(t, { pool: { maxQueueSize: 1 } })
    const slow = fetch(`${base}/sleep?ms=400`)
    await waitFor('the worker to be busy', () => http.pool?.stats().busy === 1)
    const queued = fetch(`${base}/pid`)
    await waitFor('a queued request', () => http.pool?.stats().queued === 1)
    const res = await fetch(`${base}/pid`)
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('no-workers'), 'true')
    await res.arrayBuffer()
    assert.equal((await slow).status, 200)
    assert.equal((await queued).status, 200)
  })
})

describe('shutdown', () => {
  test('stop() lets an in-flight keep-alive request finish, then closes its connection', async (t) => {
    const { base, http } = await startHttp(t)
    const agent = new Agent({ keepAlive: true })
    t.after(() => agent.destroy()) // releases the server if stop() is still waiting on it
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/sleep?ms=200`, { agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end()
    })
    await waitFor('the request to be in flight', () => http.pool?.stats().busy === 1)
    const stopped = http.stop()
    assert.equal(await response, 200, 'the in-flight request completes')
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      stopped.then(() => 'stopped'),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('still waiting'), 2000)
      }),
    ])
    clearTimeout(timer)
    assert.equal(outcome, 'stopped', 'stop() should not wait for the idle keep-alive connection')
  })
})
