// The protobuf HTTP codec against the spec's golden vectors V12 (request) and V13 (response).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { FrameDecoder, payloadFromFrame, type Frame } from '../../../src/protocol/index.ts'
import { decodeResponseProto, requestContextProto } from '../../../src/plugins/http/proto-codec.ts'
import { parseResponseContext } from '../../../src/plugins/http/response.ts'

interface Vector {
  name: string
  hex: string
}
const vectors = (
  JSON.parse(
    readFileSync(new URL('../../fixtures/frames/golden.json', import.meta.url), 'utf8'),
  ) as { vectors: Vector[] }
).vectors

function frameOf(name: string): Frame {
  const v = vectors.find((x) => x.name === name)
  assert.ok(v, `vector ${name} missing`)
  let frame: Frame | undefined
  new FrameDecoder().push(Buffer.from(v.hex, 'hex'), (f) => (frame = f))
  assert.ok(frame)
  return frame
}

test('V13: a PHP proto response decodes to status 200 and Content-Type text/plain', () => {
  const payload = payloadFromFrame(frameOf('V13'))
  assert.deepEqual(decodeResponseProto(payload.context), {
    status: 200,
    headers: ['Content-Type', 'text/plain'],
  })
  // The response path picks the codec from the flags byte.
  assert.deepEqual(parseResponseContext(payload).headers, ['Content-Type', 'text/plain'])
  assert.equal(payload.body.toString(), 'hi')
})

test('V12: the request context for GET /?a=1 is byte-identical to RoadRunner 2024.1', async (t) => {
  let ours: Buffer | undefined
  const server = createServer((req: IncomingMessage, res) => {
    // Connection is not in V12; drop it from the raw headers to compare the rest byte for byte.
    req.rawHeaders.splice(req.rawHeaders.indexOf('Connection'), 2)
    ours = Buffer.from(requestContextProto(req, { parsed: false, uploads: 'null' }))
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const port = (server.address() as { port: number }).port
  const socket = connect(port, '127.0.0.1')
  socket.write(
    'GET /?a=1 HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n',
  )
  socket.resume()
  await once(socket, 'end')
  assert.ok(ours)
  const expected = payloadFromFrame(frameOf('V12')).context
  assert.equal(ours.toString('hex'), expected.toString('hex'))
})

test('a truncated proto response is a typed error', () => {
  const payload = payloadFromFrame(frameOf('V13'))
  assert.throws(
    () => decodeResponseProto(payload.context.subarray(0, 5)),
    (err: Error & { code?: string }) => err.code === 'ERR_HTTP_BAD_RESPONSE',
  )
})
