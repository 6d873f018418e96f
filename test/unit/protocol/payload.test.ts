import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isCourserError } from '../../../src/errors.ts'
import {
  Flag,
  FrameDecoder,
  isStopRequest,
  parsePidReply,
  payloadFromFrame,
  quote,
  type Frame,
} from '../../../src/protocol/index.ts'
import { goldenVectors } from '../../helpers/golden.ts'

function vector(name: string): Frame {
  const v = goldenVectors.find((g) => g.name === name)
  assert.ok(v, `golden vector ${name}`)
  const frames: Frame[] = []
  new FrameDecoder().push(Buffer.from(v.hex, 'hex'), (f) => frames.push(f))
  return frames[0]!
}

function frame(parts: Partial<Frame>): Frame {
  return { flags: 0, stream: 0, options: [], payload: Buffer.alloc(0), ...parts }
}

describe('payloadFromFrame', () => {
  test('V3a splits into context {} and body hi; V3c keeps its stream bits', () => {
    const p = payloadFromFrame(vector('V3a'))
    assert.equal(p.context.toString(), '{}')
    assert.equal(p.body.toString(), 'hi')
    assert.equal(p.codec, 0)
    assert.equal(payloadFromFrame(vector('V3b')).codec, Flag.CODEC_JSON)
    assert.equal(payloadFromFrame(vector('V3c')).stream, 0x05)
  })

  test('V13 (proto response) keeps the CODEC_PROTO codec', () => {
    assert.equal(payloadFromFrame(vector('V13')).codec, Flag.CODEC_PROTO)
  })

  test('a response needs exactly one option: 0 or 2 are ERR_PAYLOAD_BAD_OPTIONS', () => {
    for (const options of [[], [1, 2]]) {
      assert.throws(
        () => payloadFromFrame(frame({ options, payload: Buffer.from('ab') })),
        (err) => isCourserError(err, 'ERR_PAYLOAD_BAD_OPTIONS'),
        `options ${JSON.stringify(options)}`,
      )
    }
  })

  test('a context length beyond the payload is ERR_PAYLOAD_BAD_OPTIONS; equal to it is fine', () => {
    assert.throws(
      () => payloadFromFrame(frame({ options: [3], payload: Buffer.from('ab') })),
      (err) => isCourserError(err, 'ERR_PAYLOAD_BAD_OPTIONS'),
    )
    const p = payloadFromFrame(frame({ options: [2], payload: Buffer.from('ab') }))
    assert.equal(p.context.toString(), 'ab')
    assert.equal(p.body.length, 0)
  })
})

describe('isStopRequest', () => {
  test('V5 (worker-initiated stop) is a stop request', () => {
    assert.equal(isStopRequest(payloadFromFrame(vector('V5'))), true)
  })

  test('a stop context with a body, or another context, is not', () => {
    const ctx = Buffer.from('{"stop":true}')
    const mk = (context: Buffer, body: string) => ({
      context,
      body: Buffer.from(body),
      codec: 0,
      stream: 0,
    })
    assert.equal(isStopRequest(mk(ctx, 'x')), false)
    assert.equal(isStopRequest(mk(Buffer.from('{"stop":false}'), '')), false)
    assert.equal(isStopRequest(mk(Buffer.from('{"stop":1234}'), '')), false)
    assert.equal(isStopRequest(mk(Buffer.from('{}'), '')), false)
  })
})

describe('parsePidReply', () => {
  test('V2 reports pid 4242', () => {
    assert.equal(parsePidReply(vector('V2')), 4242)
  })

  test('no CONTROL flag, non-JSON, or a pid that is not a positive integer: ERR_WORKER_HANDSHAKE', () => {
    const bad: Frame[] = [
      frame({ flags: 0, payload: Buffer.from('{"pid":1}') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('hello') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('{"pid":0}') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('{"pid":-5}') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('{"pid":"12"}') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('{"pid":1.5}') }),
      frame({ flags: Flag.CONTROL, payload: Buffer.from('null') }),
    ]
    for (const f of bad) {
      assert.throws(
        () => parsePidReply(f),
        (err) => isCourserError(err, 'ERR_WORKER_HANDSHAKE'),
        f.payload.toString(),
      )
    }
  })
})

describe('quote', () => {
  test('renders control bytes as dots and bounds the length', () => {
    assert.equal(quote(Buffer.from('a\x00b\x1bc')), '"a.b.c"')
    const long = quote(Buffer.alloc(1000, 0x41), 10)
    assert.equal(long, `"${'A'.repeat(10)}"… (1000 bytes)`)
  })
})
