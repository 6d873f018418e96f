// RPC framing against the spec's vectors (V9-V11), the codec priority and reply encoding.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isCourserError } from '../../../src/errors.ts'
import { Flag, FrameDecoder, encodeFrame, type Frame } from '../../../src/protocol/index.ts'
import {
  RpcArgumentError,
  decodeArgument,
  encodeReply,
  field,
  requestCodec,
} from '../../../src/plugins/rpc/codec.ts'
import { encodeRpcFrame, parseRpcFrame } from '../../../src/plugins/rpc/frame.ts'

function decodeOne(bytes: Buffer): Frame {
  const frames: Frame[] = []
  new FrameDecoder().push(bytes, (f) => frames.push(f))
  assert.equal(frames.length, 1)
  return frames[0]!
}

describe('RPC frames', () => {
  test('V9: informer.Workers("http"), seq 1, JSON', () => {
    const bytes = encodeRpcFrame({
      seq: 1,
      method: 'informer.Workers',
      codec: Flag.CODEC_JSON,
      body: '"http"',
    })
    assert.equal(
      bytes.toString('hex'),
      '1508160000000971dba700000100000010000000' +
        Buffer.from('informer.Workers"http"').toString('hex'),
    )
  })

  test('V10: the reply {"workers":[]}', () => {
    const bytes = encodeRpcFrame({
      seq: 1,
      method: 'informer.Workers',
      codec: Flag.CODEC_JSON,
      body: '{"workers":[]}',
    })
    assert.equal(bytes.subarray(0, 20).toString('hex'), '15081e000000e6596f6200000100000010000000')
  })

  test('V11: an error reply has flags 0x48 and the same options', () => {
    const text = 'x'.repeat(0x38 - 'informer.Workers'.length)
    const bytes = encodeRpcFrame({
      seq: 1,
      method: 'informer.Workers',
      codec: Flag.CODEC_JSON,
      body: text,
      error: true,
    })
    assert.equal(
      bytes.subarray(0, 20).toString('hex'),
      '154838000000' + '4df1c5bf' + '00000100000010000000',
    )
    const msg = parseRpcFrame(decodeOne(bytes))
    assert.equal(msg.flags, Flag.CODEC_JSON | Flag.ERROR)
    assert.equal(msg.method, 'informer.Workers')
    assert.equal(msg.body.toString(), text)
  })

  test('parse round-trips seq, method and body', () => {
    const msg = parseRpcFrame(
      decodeOne(
        encodeRpcFrame({ seq: 0xfffffffe, method: 'a.B', codec: Flag.CODEC_RAW, body: 'xyz' }),
      ),
    )
    assert.deepEqual(
      { seq: msg.seq, method: msg.method, flags: msg.flags, body: msg.body.toString() },
      { seq: 0xfffffffe, method: 'a.B', flags: Flag.CODEC_RAW, body: 'xyz' },
    )
  })

  test('not exactly two options, or a method longer than the payload: ERR_RPC_FRAME', () => {
    for (const frame of [
      { flags: Flag.CODEC_JSON, options: [1], payload: Buffer.from('a.B') },
      { flags: Flag.CODEC_JSON, options: [1, 2, 3], payload: Buffer.from('a.B') },
      { flags: Flag.CODEC_JSON, options: [1, 99], payload: Buffer.from('a.B') },
    ]) {
      assert.throws(
        () => parseRpcFrame(decodeOne(encodeFrame(frame))),
        (err) => isCourserError(err, 'ERR_RPC_FRAME'),
      )
    }
  })
})

describe('RPC codecs', () => {
  test('priority PROTO > JSON > RAW > MSGPACK > GOB; no codec bit means GOB', () => {
    assert.equal(requestCodec(0xff & ~Flag.ERROR), Flag.CODEC_PROTO)
    assert.equal(requestCodec(Flag.CODEC_JSON | Flag.CODEC_RAW), Flag.CODEC_JSON)
    assert.equal(requestCodec(Flag.CODEC_RAW | Flag.CODEC_GOB), Flag.CODEC_RAW)
    assert.equal(requestCodec(Flag.CODEC_MSGPACK | Flag.CODEC_GOB), Flag.CODEC_MSGPACK)
    assert.equal(requestCodec(0), Flag.CODEC_GOB)
  })

  test('an empty JSON argument is the zero value; bad JSON is an argument error', () => {
    assert.equal(decodeArgument(Flag.CODEC_JSON, Buffer.alloc(0)), undefined)
    assert.deepEqual(decodeArgument(Flag.CODEC_JSON, Buffer.from('{"a":1}')), { a: 1 })
    assert.throws(() => decodeArgument(Flag.CODEC_JSON, Buffer.from('{')), RpcArgumentError)
    assert.deepEqual(decodeArgument(Flag.CODEC_RAW, Buffer.from('{')), Buffer.from('{'))
  })

  test('replies: JSON like Go (bytes as base64), RAW needs bytes', () => {
    assert.equal(encodeReply(Flag.CODEC_JSON, 'm', true).toString(), 'true')
    assert.equal(encodeReply(Flag.CODEC_JSON, 'm', Buffer.from('hi')).toString(), '"aGk="')
    assert.equal(encodeReply(Flag.CODEC_RAW, 'm', Buffer.from('hi')).toString(), 'hi')
    assert.throws(() => encodeReply(Flag.CODEC_RAW, 'm', { a: 1 }), RpcArgumentError)
  })

  test('JSON fields match case-insensitively, as Go struct fields do', () => {
    assert.equal(field({ Name: 'x' }, 'name'), 'x')
    assert.equal(field({ name: 'y', NAME: 'z' }, 'name'), 'y')
    assert.equal(field('str', 'name'), undefined)
  })
})
