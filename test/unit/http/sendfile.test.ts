// sendfile over a real socket without PHP: X-Sendfile found whichever way the head is written.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { compose } from '../../../src/plugins/http/middleware/types.ts'
import { sendfile } from '../../../src/plugins/http/middleware/sendfile.ts'
import { captureLogger } from '../../helpers/log.ts'
import { tempDir } from '../../helpers/pool.ts'

type Answer = (res: ServerResponse, file: string) => void

async function serve(t: TestContext, answer: Answer): Promise<{ port: number; file: string }> {
  const dir = tempDir(t, 'courser-sendfile-')
  const file = join(dir, 'report.txt')
  writeFileSync(file, 'file content\n')
  const { log } = captureLogger()
  const handler = compose(
    [sendfile({ root: dir }, log)],
    (_req, res) => answer(res, file),
    () => assert.fail('no error expected'),
  )
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.address() as AddressInfo).port, file }
}

function get(
  port: number,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('sendfile', () => {
  const forms: Record<string, Answer> = {
    'writeHead with a flat list': (res, file) => {
      res.writeHead(202, ['X-Sendfile', file, 'X-Keep', 'k', 'Content-Length', '11'])
      res.end('worker body')
    },
    'writeHead with an object and a reason': (res, file) => {
      res.writeHead(200, 'OK', { 'x-sendfile': file, 'X-Keep': 'k' })
      res.end('worker body')
    },
    'writeHead with pairs': (res, file) => {
      res.writeHead(200, [
        ['X-Sendfile', file],
        ['X-Keep', 'k'],
      ] as unknown as string[])
      res.end('worker body')
    },
    'setHeader and an implicit head': (res, file) => {
      res.setHeader('X-Sendfile', file)
      res.setHeader('X-Keep', 'k')
      res.write('worker ')
      res.end('body')
    },
  }
  for (const [name, answer] of Object.entries(forms)) {
    test(name, async (t) => {
      const { port } = await serve(t, answer)
      const r = await get(port)
      assert.equal(r.status, 200)
      assert.equal(r.body, 'file content\n')
      assert.equal(r.headers['x-sendfile'], undefined)
      assert.equal(r.headers['x-keep'], 'k')
      assert.equal(r.headers['content-length'], '13')
      assert.match(String(r.headers['content-type']), /^text\/plain/)
      const head = await get(port, 'HEAD')
      assert.equal(head.status, 200)
      assert.equal(head.body, '')
    })
  }

  test('a response without X-Sendfile is untouched', async (t) => {
    const { port } = await serve(t, (res) => {
      res.writeHead(201, ['Content-Type', 'text/plain', 'Content-Length', '11'])
      res.end('worker body')
    })
    const r = await get(port)
    assert.equal(r.status, 201)
    assert.equal(r.body, 'worker body')
  })

  test('a relative path is resolved against root; an empty header is ignored', async (t) => {
    const rel = await serve(t, (res) => {
      res.writeHead(200, { 'X-Sendfile': 'report.txt' })
      res.end()
    })
    assert.equal((await get(rel.port)).body, 'file content\n')
    const empty = await serve(t, (res) => {
      res.writeHead(200, { 'X-Sendfile': ' ', 'Content-Length': 2 })
      res.end('ok')
    })
    assert.equal((await get(empty.port)).body, 'ok')
  })
})
