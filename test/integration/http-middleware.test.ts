// http middleware end to end: real sockets, a real node:http server, real PHP workers.
// static, gzip, headers/cors, sendfile, proxy_ip_parser, and user middleware via createServer().

import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import type { OutgoingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { createServer, type Middleware } from '../../src/index.ts'
import { loadConfig } from '../../src/config/index.ts'
import { buildMiddleware } from '../../src/plugins/http/middleware/index.ts'
import { HttpPlugin } from '../../src/plugins/http/plugin.ts'
import { rawRequest, type RawResponse } from '../helpers/http.ts'
import { captureLogger, dump, type LogLine } from '../helpers/log.ts'
import { DEFAULT_SETTINGS, ROOT, WORKERS, serveWorkers, tempDir } from '../helpers/pool.ts'

const SECRET = 'TOP SECRET OUTSIDE'
const CSS = 'body { color: red; }\n'
const BIG_CSS = '.a { color: blue; }\n'.repeat(500)

interface Harness {
  base: string
  port: number
  lines: LogLine[]
  /** The temp tree: <dir>/public is http.static.dir, <dir>/outside.txt is not served. */
  dir: string
  /** Lines logged by the http handler, i.e. requests that reached PHP. */
  phpHits(path: string): number
}

interface WorkerEcho {
  remoteAddr: string
  method: string
  path: string
  headers: Record<string, string[]>
  body: string
}

/** public/ with files, dotfiles, a PHP file, and symlinks inside and outside; outside.txt next to it. */
function makeTree(t: TestContext): string {
  const dir = tempDir(t, 'courser-static-')
  const pub = join(dir, 'public')
  for (const d of ['css', '.hidden', '.well-known', 'dir.d', 'sub'])
    mkdirSync(join(pub, d), { recursive: true })
  writeFileSync(join(pub, 'css', 'app.css'), CSS)
  writeFileSync(join(pub, 'css', 'big.css'), BIG_CSS)
  writeFileSync(join(pub, 'index.html'), '<h1>index</h1>\n')
  writeFileSync(join(pub, 'index.php'), '<?php echo "secret source";\n')
  writeFileSync(join(pub, '.env'), 'SECRET=1\n')
  writeFileSync(join(pub, '.hidden', 'file.txt'), 'hidden\n')
  writeFileSync(join(pub, '.well-known', 'acme.txt'), 'acme\n')
  writeFileSync(join(pub, 'README'), 'no extension\n')
  writeFileSync(join(pub, 'dir.d', 'x.txt'), 'in dir\n')
  writeFileSync(join(pub, 'a%20b.txt'), 'percent name\n')
  writeFileSync(join(dir, 'outside.txt'), `${SECRET}\n`)
  symlinkSync(join(dir, 'outside.txt'), join(pub, 'link.txt'))
  symlinkSync(dir, join(pub, 'up'))
  symlinkSync(join(pub, 'css', 'app.css'), join(pub, 'alias.css'))
  symlinkSync(join(pub, 'index.php'), join(pub, 'source.txt'))
  return dir
}

/** ServerPlugin + HttpPlugin with the middleware built from an `http` config section. */
async function start(
  t: TestContext,
  http: Record<string, unknown>,
  opts: { extra?: Middleware[] } = {},
): Promise<Harness> {
  const dir = makeTree(t)
  const cfgFile = join(dir, '.rr.yaml')
  writeFileSync(
    cfgFile,
    JSON.stringify({
      version: '3',
      server: { command: 'php worker.php' },
      http: { address: '127.0.0.1:0', ...http },
    }),
  )
  const config = loadConfig({ file: cfgFile, env: {} })
  const { log, lines } = captureLogger()
  const server = await serveWorkers(log, { script: 'middleware.php' })
  const plugin = new HttpPlugin(
    {
      address: '127.0.0.1:0',
      internalErrorCode: 500,
      accessLogs: false,
      body: { maxBytes: 1024 * 1024, rawBody: false, uploadsDir: dir, forbid: [], allow: [] },
      pool: { ...DEFAULT_SETTINGS },
      middleware: [...buildMiddleware(config.http!, { workdir: dir, log }), ...(opts.extra ?? [])],
    },
    server,
    log,
  )
  t.after(async () => {
    await plugin.stop()
    await server.stop()
  })
  await plugin.serve()
  return {
    base: `http://127.0.0.1:${plugin.port}`,
    port: plugin.port,
    lines,
    dir,
    phpHits: (path) => lines.filter((l) => l.msg === 'http log' && l['URI'] === path).length,
  }
}

/** One request with the path sent exactly as written (fetch would normalise `..` away). */
function get(
  h: { port: number },
  path: string,
  opts: { method?: string; headers?: OutgoingHttpHeaders } = {},
): Promise<RawResponse> {
  return rawRequest({ port: h.port, path }, opts)
}

function echoOf(r: RawResponse): WorkerEcho {
  assert.equal(r.status, 200, r.body.toString())
  return JSON.parse(r.body.toString()) as WorkerEcho
}

describe('static', () => {
  test('an existing file is served by Node (PHP never sees it), a missing one goes to PHP', async (t) => {
    const h = await start(t, { middleware: ['static'], static: { dir: 'public' } })
    const hit = await get(h, '/css/app.css?v=3')
    assert.equal(hit.status, 200)
    assert.equal(hit.body.toString(), CSS)
    assert.match(String(hit.headers['content-type']), /^text\/css/)
    assert.equal(hit.headers['content-length'], String(CSS.length))
    assert.ok(hit.headers['last-modified'])
    assert.equal(hit.headers['etag'], undefined, 'calculate_etag is off by default')
    assert.equal(hit.headers['accept-ranges'], 'bytes')
    assert.equal(h.phpHits('/css/app.css?v=3'), 0, dump(h.lines))

    const miss = echoOf(await get(h, '/css/nope.css'))
    assert.equal(miss.path, '/css/nope.css')
    assert.equal(h.phpHits('/css/nope.css'), 1)

    const head = await get(h, '/index.html', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers['content-length'], '15')
    assert.equal(head.body.length, 0)

    // Only GET and HEAD are served from disk.
    assert.equal(echoOf(await get(h, '/index.html', { method: 'POST' })).method, 'POST')
    // An encoded name is decoded once.
    assert.equal((await get(h, '/a%2520b.txt')).body.toString(), 'percent name\n')
  })

  test('ETag (strong and weak), If-None-Match 304, Range 206 and 416', async (t) => {
    const h = await start(t, {
      middleware: ['static'],
      static: { dir: 'public', calculate_etag: true },
    })
    const first = await get(h, '/css/app.css')
    const etag = String(first.headers['etag'])
    assert.match(etag, /^"[0-9a-f]+-[A-Za-z0-9_-]+"$/, 'strong: a content hash')
    assert.equal((await get(h, '/css/app.css')).headers['etag'], etag, 'stable')

    const cached = await get(h, '/css/app.css', { headers: { 'If-None-Match': etag } })
    assert.equal(cached.status, 304)
    assert.equal(cached.body.length, 0)
    const changed = await get(h, '/css/app.css', { headers: { 'If-None-Match': '"other"' } })
    assert.equal(changed.status, 200)

    const part = await get(h, '/css/app.css', { headers: { Range: 'bytes=0-3' } })
    assert.equal(part.status, 206)
    assert.equal(part.headers['content-range'], `bytes 0-3/${CSS.length}`)
    assert.equal(part.body.toString(), 'body')
    const stale = await get(h, '/css/app.css', {
      headers: { Range: 'bytes=0-3', 'If-Range': '"x"' },
    })
    assert.equal(stale.status, 200, 'If-Range with another ETag: the whole file')
    const bad = await get(h, '/css/app.css', { headers: { Range: 'bytes=500-600' } })
    assert.equal(bad.status, 416)
    assert.equal(bad.headers['content-range'], `bytes */${CSS.length}`)

    const weak = await start(t, {
      middleware: ['static'],
      static: { dir: 'public', calculate_etag: true, weak: true },
    })
    const w = String((await get(weak, '/css/app.css')).headers['etag'])
    assert.match(w, /^W\/"/)
    assert.equal((await get(weak, '/css/app.css', { headers: { 'If-None-Match': w } })).status, 304)
  })

  test('forbidden extensions, allow list, dotfiles, no extension and directories go to PHP', async (t) => {
    const h = await start(t, {
      middleware: ['static'],
      static: { dir: 'public', forbid: ['.html'], response: { 'X-Static': 'yes' } },
    })
    for (const path of [
      '/index.php', // always forbidden, even when not listed
      '/index.html',
      '/.env',
      '/.hidden/file.txt',
      '/%2eenv',
      '/README',
      '/dir.d',
      '/dir.d/',
      '/css',
    ]) {
      const r = await get(h, path)
      assert.equal(r.status, 200, path)
      assert.equal(echoOf(r).path, path, path)
      assert.doesNotMatch(r.body.toString(), /secret source|SECRET=1/, path)
    }
    const wk = await get(h, '/.well-known/acme.txt')
    assert.equal(wk.body.toString(), 'acme\n', '/.well-known/ is public')
    assert.equal(wk.headers['x-static'], 'yes', 'static.response headers on files')
    assert.equal((await get(h, '/dir.d/x.txt')).headers['x-static'], 'yes')
    assert.equal((await get(h, '/nope.txt')).headers['x-static'], undefined, 'not on PHP answers')

    const allow = await start(t, {
      middleware: ['static'],
      static: { dir: 'public', allow: ['css'] },
    })
    assert.equal((await get(allow, '/css/app.css')).body.toString(), CSS)
    assert.equal(echoOf(await get(allow, '/index.html')).path, '/index.html')
  })

  test('traversal: .., encoded, double-encoded, backslashes, NUL never reach a file outside dir', async (t) => {
    const h = await start(t, { middleware: ['static'], static: { dir: 'public' } })
    const forbidden = [
      '/../outside.txt',
      '/css/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/%2E%2E/outside.txt',
      '/css/%2e%2e/%2e%2e/outside.txt',
      '/..%2foutside.txt',
      '/..%2Foutside.txt',
      '/..\\outside.txt',
      '/%5c..%5coutside.txt',
      '/css%5c..%5c..%5coutside.txt',
    ]
    for (const path of forbidden) {
      const r = await get(h, path)
      assert.equal(r.status, 403, path)
      assert.doesNotMatch(r.body.toString(), new RegExp(SECRET), path)
    }
    for (const path of [
      '/%252e%252e/outside.txt',
      '/%252e%252e%252foutside.txt',
      '/outside.txt%00.css',
      '/index.php%00.css',
      '/%zz.css',
    ]) {
      const r = await get(h, path)
      assert.ok(r.status === 200 || r.status === 404 || r.status === 403, `${path}: ${r.status}`)
      assert.doesNotMatch(r.body.toString(), new RegExp(`${SECRET}|secret source`), path)
    }
    assert.equal(
      h.phpHits('/%252e%252e/outside.txt'),
      1,
      'double-encoded: a plain miss, PHP decides',
    )
  })

  test('symlinks: inside dir served, leading outside refused unless follow_symlinks', async (t) => {
    const h = await start(t, { middleware: ['static'], static: { dir: 'public' } })
    assert.equal((await get(h, '/alias.css')).body.toString(), CSS)
    for (const path of ['/link.txt', '/up/outside.txt', '/up/public/../outside.txt']) {
      const r = await get(h, path)
      assert.equal(r.status, 403, path)
      assert.doesNotMatch(r.body.toString(), new RegExp(SECRET), path)
    }
    // A link to a forbidden file under another name is not served either.
    assert.doesNotMatch((await get(h, '/source.txt')).body.toString(), /secret source/)

    const follow = await start(t, {
      middleware: ['static'],
      static: { dir: 'public', follow_symlinks: true },
    })
    assert.equal((await get(follow, '/link.txt')).body.toString(), `${SECRET}\n`)
    assert.equal((await get(follow, '/up/public/../outside.txt')).status, 403, '.. still refused')
  })
})

describe('gzip', () => {
  test('br, gzip and deflate as the client asks; nothing when not asked or too small', async (t) => {
    const h = await start(t, { middleware: ['gzip'] })
    const plain = await get(h, '/big')
    const html = plain.body.toString()
    assert.equal(html.length, 20_000)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(plain.headers['content-length'], '20000')

    const gz = await get(h, '/big', { headers: { 'Accept-Encoding': 'gzip' } })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.match(String(gz.headers['vary']), /Accept-Encoding/)
    assert.ok(gz.body.length < 2000, `compressed to ${gz.body.length}`)
    assert.equal(gunzipSync(gz.body).toString(), html)

    const br = await get(h, '/big', { headers: { 'Accept-Encoding': 'br' } })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.equal(brotliDecompressSync(br.body).toString(), html)

    const both = await get(h, '/big', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } })
    assert.ok(['br', 'gzip'].includes(String(both.headers['content-encoding'])))

    const df = await get(h, '/big', { headers: { 'Accept-Encoding': 'deflate' } })
    assert.equal(df.headers['content-encoding'], 'deflate')
    assert.equal(inflateSync(df.body).toString(), html)

    const identity = await get(h, '/big', { headers: { 'Accept-Encoding': 'identity' } })
    assert.equal(identity.headers['content-encoding'], undefined)

    const small = await get(h, '/small', { headers: { 'Accept-Encoding': 'gzip' } })
    assert.equal(small.headers['content-encoding'], undefined)
    assert.equal(small.body.toString(), 'tiny')
  })

  test('a streamed worker response is compressed and complete; static files too', async (t) => {
    const h = await start(t, { middleware: ['gzip', 'static'], static: { dir: 'public' } })
    const r = await get(h, '/stream-big', { headers: { 'Accept-Encoding': 'gzip' } })
    assert.equal(r.headers['content-encoding'], 'gzip')
    const text = gunzipSync(r.body).toString()
    assert.ok(text.startsWith('<p>chunk 0</p>') && text.endsWith('<p>chunk 4</p>'))

    const css = await get(h, '/css/big.css', { headers: { 'Accept-Encoding': 'gzip' } })
    assert.equal(css.headers['content-encoding'], 'gzip')
    assert.equal(gunzipSync(css.body).toString(), BIG_CSS)
    const range = await get(h, '/css/big.css', {
      headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-9' },
    })
    assert.equal(range.status, 206)
    assert.equal(range.headers['content-encoding'], undefined, 'a range is not compressed')
    assert.equal(range.body.toString(), BIG_CSS.slice(0, 10))
  })
})

describe('headers', () => {
  const cors = {
    allowed_origin: 'https://app.example.com, https://*.example.org',
    allowed_headers: 'Content-Type, X-Token',
    allowed_methods: 'GET, POST, PUT',
    allow_credentials: true,
    exposed_headers: 'X-Total',
    max_age: 600,
  }

  test('request headers reach PHP, response headers reach the client', async (t) => {
    const h = await start(t, {
      middleware: ['headers'],
      headers: { request: { 'X-Tenant': 'acme' }, response: { 'X-Powered-By': 'Courser' } },
    })
    const r = await get(h, '/echo')
    assert.deepEqual(echoOf(r).headers['X-Tenant'], ['acme'])
    assert.equal(r.headers['x-powered-by'], 'Courser')
  })

  test('CORS preflight is answered without PHP; allowed and refused origins', async (t) => {
    const h = await start(t, { middleware: ['headers'], headers: { cors } })
    const pre = await get(h, '/api', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'X-Token',
      },
    })
    assert.equal(pre.status, 200)
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com')
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST,PUT')
    assert.equal(pre.headers['access-control-allow-headers'], 'Content-Type,X-Token')
    assert.equal(pre.headers['access-control-allow-credentials'], 'true')
    assert.equal(pre.headers['access-control-max-age'], '600')
    assert.match(String(pre.headers['vary']), /Origin/)
    assert.equal(pre.body.length, 0)
    assert.equal(h.phpHits('/api'), 0)

    const wildcard = await get(h, '/api', {
      method: 'OPTIONS',
      headers: { Origin: 'https://x.example.org', 'Access-Control-Request-Method': 'GET' },
    })
    assert.equal(wildcard.headers['access-control-allow-origin'], 'https://x.example.org')

    const refused = await get(h, '/api', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.test', 'Access-Control-Request-Method': 'GET' },
    })
    assert.equal(refused.status, 200)
    assert.equal(refused.headers['access-control-allow-origin'], undefined)
    assert.equal(h.phpHits('/api'), 0)

    const actual = await get(h, '/api', { headers: { Origin: 'https://app.example.com' } })
    assert.equal(echoOf(actual).path, '/api')
    assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example.com')
    assert.equal(actual.headers['access-control-expose-headers'], 'X-Total')
    assert.equal(actual.headers['access-control-allow-credentials'], 'true')

    const other = await get(h, '/api', { headers: { Origin: 'https://evil.test' } })
    assert.equal(other.status, 200)
    assert.equal(other.headers['access-control-allow-origin'], undefined)

    // A plain OPTIONS (not a preflight) belongs to the application.
    const options = await get(h, '/api', { method: 'OPTIONS' })
    assert.equal(echoOf(options).method, 'OPTIONS')
  })

  test('allowed_origin "*" answers any origin', async (t) => {
    const h = await start(t, {
      middleware: ['headers'],
      headers: { cors: { allowed_origin: '*' } },
    })
    const pre = await get(h, '/x', {
      method: 'OPTIONS',
      headers: { Origin: 'https://any.test', 'Access-Control-Request-Method': 'POST' },
    })
    assert.equal(pre.headers['access-control-allow-origin'], '*')
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST,HEAD')
  })
})

describe('sendfile', () => {
  test('X-Sendfile: Node streams the file, drops the header and the worker body', async (t) => {
    const h = await start(t, { middleware: ['sendfile'] })
    const file = join(h.dir, 'public', 'css', 'app.css')
    const r = await get(h, `/sendfile?path=${encodeURIComponent(file)}`)
    assert.equal(r.status, 200)
    assert.equal(r.body.toString(), CSS)
    assert.equal(r.headers['x-sendfile'], undefined)
    assert.equal(r.headers['x-from-worker'], 'yes', 'the worker headers stay')
    assert.match(String(r.headers['content-type']), /^text\/css/)
    assert.equal(r.headers['content-length'], String(CSS.length))

    const typed = await get(
      h,
      `/sendfile?path=${encodeURIComponent(file)}&type=application/x-custom`,
    )
    assert.equal(typed.headers['content-type'], 'application/x-custom')

    const rel = await get(h, `/sendfile?path=${encodeURIComponent('public/index.html')}`)
    assert.equal(rel.body.toString(), '<h1>index</h1>\n', 'relative to the working directory')

    const range = await get(h, `/sendfile?path=${encodeURIComponent(file)}`, {
      headers: { Range: 'bytes=5-9' },
    })
    assert.equal(range.status, 206)
    assert.equal(range.body.toString(), CSS.slice(5, 10))

    const missing = await get(h, `/sendfile?path=${encodeURIComponent(join(h.dir, 'nope'))}`)
    assert.equal(missing.status, 404)
    assert.doesNotMatch(missing.body.toString(), /worker body/)

    const up = await get(h, `/sendfile?path=${encodeURIComponent('public/../outside.txt')}`)
    assert.equal(up.status, 403)
    assert.doesNotMatch(up.body.toString(), new RegExp(SECRET))

    // The worker is free: the next request is answered by the same single worker.
    assert.equal(echoOf(await get(h, '/after')).path, '/after')
  })

  test('without the middleware the header passes through; with gzip first the file is compressed', async (t) => {
    const off = await start(t, {})
    const r = await get(off, '/sendfile?path=/etc/hostname')
    assert.equal(r.status, 201)
    assert.equal(r.headers['x-sendfile'], '/etc/hostname')
    assert.equal(r.body.toString(), 'worker body')

    const h = await start(t, { middleware: ['gzip', 'sendfile'] })
    const big = join(h.dir, 'public', 'css', 'big.css')
    const gz = await get(h, `/sendfile?path=${encodeURIComponent(big)}`, {
      headers: { 'Accept-Encoding': 'gzip' },
    })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(gunzipSync(gz.body).toString(), BIG_CSS)
  })
})

describe('proxy_ip_parser (trusted subnets)', () => {
  test('a trusted peer: Forwarded, X-Forwarded-For, X-Real-Ip set remoteAddr', async (t) => {
    const h = await start(t, { middleware: ['proxy_ip_parser'] }) // default subnets include 127/8
    const ip = async (headers: OutgoingHttpHeaders): Promise<string> =>
      echoOf(await get(h, '/ip', { headers })).remoteAddr
    assert.equal(await ip({}), '127.0.0.1')
    assert.equal(await ip({ 'X-Forwarded-For': '203.0.113.7' }), '203.0.113.7')
    assert.equal(
      await ip({ 'X-Forwarded-For': '198.51.100.1, 203.0.113.7, 10.0.0.2' }),
      '203.0.113.7',
      'right to left: trusted hops skipped, a forged left-most entry ignored',
    )
    assert.equal(await ip({ 'X-Forwarded-For': '10.1.1.1, 192.168.0.9' }), '10.1.1.1')
    assert.equal(await ip({ 'X-Real-Ip': '2001:db8::5' }), '2001:db8::5')
    assert.equal(
      await ip({ Forwarded: 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.1' }),
      '2001:db8::1',
    )
    assert.equal(
      await ip({ Forwarded: 'for=192.0.2.60:8080', 'X-Forwarded-For': '203.0.113.9' }),
      '192.0.2.60',
    )
    assert.equal(await ip({ 'Cf-Connecting-Ip': '198.51.100.77' }), '198.51.100.77')
    assert.equal(await ip({ 'X-Forwarded-For': 'not-an-ip', 'X-Real-Ip': '<script>' }), '127.0.0.1')
  })

  test('an untrusted peer, or the middleware off: headers are ignored', async (t) => {
    const untrusted = await start(t, {
      middleware: ['proxy_ip_parser'],
      trusted_subnets: ['10.0.0.0/8'],
    })
    const r = await get(untrusted, '/ip', { headers: { 'X-Forwarded-For': '203.0.113.7' } })
    assert.equal(echoOf(r).remoteAddr, '127.0.0.1')

    const off = await start(t, {})
    const r2 = await get(off, '/ip', { headers: { 'X-Forwarded-For': '203.0.113.7' } })
    assert.equal(echoOf(r2).remoteAddr, '127.0.0.1')
  })

  test('trusted_headers limits and orders the headers consulted', async (t) => {
    const h = await start(t, {
      middleware: ['proxy_ip_parser'],
      trusted_subnets: ['127.0.0.1/32'],
      trusted_headers: ['CF-Connecting-IP', 'X-Real-IP'],
    })
    const r = await get(h, '/ip', {
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Real-Ip': '198.51.100.2' },
    })
    assert.equal(echoOf(r).remoteAddr, '198.51.100.2')
  })
})

describe('middleware order and custom middleware', () => {
  test('the list order is the request order; a failing middleware gives internal_error_code', async (t) => {
    const seen: string[] = []
    const h = await start(
      t,
      { middleware: ['proxy_ip_parser', 'headers'], headers: { response: { 'X-A': '1' } } },
      {
        extra: [
          (req, res, next) => {
            seen.push(String(req.headers['x-forwarded-for']))
            if (req.url === '/fail') return next(new Error('nope'))
            if (req.url === '/reject') return Promise.reject(new Error('async nope'))
            if (req.url === '/teapot') {
              res.writeHead(418, { 'Content-Length': 2 })
              res.end('hi')
              return
            }
            next()
          },
        ],
      },
    )
    const ok = await get(h, '/x', { headers: { 'X-Forwarded-For': '203.0.113.1' } })
    assert.equal(echoOf(ok).remoteAddr, '203.0.113.1')
    assert.equal(ok.headers['x-a'], '1')
    assert.deepEqual(seen, ['203.0.113.1'])
    const teapot = await get(h, '/teapot')
    assert.equal(teapot.status, 418)
    assert.equal(teapot.headers['x-a'], '1', 'outer middleware still applied')
    assert.equal(h.phpHits('/teapot'), 0)
    assert.equal((await get(h, '/fail')).status, 500)
    assert.equal((await get(h, '/reject')).status, 500)
    assert.ok(
      h.lines.some((l) => l.msg.includes('middleware failed: async nope')),
      dump(h.lines),
    )
  })

  test('createServer(): a user middleware from TypeScript, with a real .rr.yaml', async (t) => {
    const dir = tempDir(t, 'courser-api-')
    const worker = join(ROOT, WORKERS, 'middleware.php')
    writeFileSync(
      join(dir, '.rr.yaml'),
      [
        "version: '3'",
        'server:',
        `  command: php ${worker}`,
        'http:',
        '  address: 127.0.0.1:0',
        '  middleware: [headers]',
        '  headers:',
        '    response:',
        '      X-Config: yes',
        '  pool:',
        '    num_workers: 1',
        'logs:',
        '  mode: off',
        '',
      ].join('\n'),
    )
    const requestId: Middleware = (req, res, next) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.end('ok')
        return
      }
      res.setHeader('X-Request-Id', 'r-1')
      next()
    }
    const { log } = captureLogger()
    const server = createServer({
      config: join(dir, '.rr.yaml'),
      middleware: [requestId],
      logger: log,
    })
    t.after(() => server.stop())
    await server.serve()
    const port = server.httpPort
    assert.ok(port)
    const health = await get({ port }, '/health')
    assert.equal(health.body.toString(), 'ok')
    assert.equal(health.headers['x-config'], 'yes')
    const r = await get({ port }, '/php')
    assert.equal(echoOf(r).path, '/php')
    assert.equal(r.headers['x-request-id'], 'r-1')
  })
})
