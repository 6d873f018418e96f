import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isCourserError } from '../../../src/errors.ts'
import {
  Flag,
  FrameDecoder,
  HEADER_SIZE,
  MAX_OPTIONS,
  StreamBit,
  crc32,
  encodeControlFrame,
  encodeFrame,
  encodePayloadFrame,
  encodePidRequest,
  encodeStopRequest,
  type Frame,
} from '../../../src/protocol/index.ts'
import { goldenVectors } from '../../helpers/golden.ts'

function decodeOne(bytes: Buffer): Frame {
  const frames: Frame[] = []
  new FrameDecoder().push(bytes, (f) => frames.push(f))
  assert.equal(frames.length, 1, `expected exactly one frame from ${bytes.toString('hex')}`)
  return frames[0]!
}

describe('golden vectors (spec §1.7)', () => {
  test('the fixture is well formed', () => {
    assert.ok(goldenVectors.length >= 13)
    for (const v of goldenVectors) {
      assert.match(v.hex, /^([0-9a-f]{2})+$/, `${v.name}: hex has an odd length or bad digits`)
      assert.equal(
        v.hex.length / 2,
        HEADER_SIZE + 4 * v.options.length + v.payloadHex.length / 2,
        `${v.name}: length does not add up`,
      )
      assert.ok(v.hex.endsWith(v.payloadHex), `${v.name}: payloadHex is not the tail of hex`)
    }
  })

  for (const v of goldenVectors) {
    test(`${v.name}: decodes to the documented fields and re-encodes byte for byte`, () => {
      const bytes = Buffer.from(v.hex, 'hex')
      const frame = decodeOne(bytes)
      assert.equal(frame.flags, v.flags)
      assert.equal(frame.stream, v.stream)
      assert.deepEqual(frame.options, v.options)
      assert.equal(frame.payload.toString('hex'), v.payloadHex)

      const encoded = encodeFrame({
        flags: v.flags,
        stream: v.stream,
        options: v.options,
        payload: Buffer.from(v.payloadHex, 'hex'),
      })
      assert.equal(encoded.toString('hex'), v.hex)
    })
  }

  test('header fields: version 1, HL = 3 + options, CRC over bytes 0-5 stored LE', () => {
    for (const v of goldenVectors) {
      const bytes = Buffer.from(v.hex, 'hex')
      assert.equal(bytes[0]! >> 4, 1, v.name)
      assert.equal(bytes[0]! & 0x0f, 3 + v.options.length, v.name)
      assert.equal(bytes.readUInt32LE(2), v.payloadHex.length / 2, v.name)
      assert.equal(bytes.readUInt32LE(6), crc32(bytes, 0, 6), v.name)
      assert.equal(bytes[11], 0, v.name)
    }
  })

  test('single-option vectors are what encodePayloadFrame produces for context + body', () => {
    const withContext = goldenVectors.filter((v) => v.options.length === 1)
    assert.ok(withContext.length >= 5)
    for (const v of withContext) {
      const payload = Buffer.from(v.payloadHex, 'hex')
      const ctxLen = v.options[0]!
      const encoded = encodePayloadFrame(
        v.flags,
        payload.subarray(0, ctxLen),
        payload.subarray(ctxLen),
        v.stream,
      )
      assert.equal(encoded.toString('hex'), v.hex, v.name)
    }
  })

  test('control frames: pid request (V1) and stop (V4)', () => {
    const byName = new Map(goldenVectors.map((v) => [v.name, v.hex]))
    assert.equal(encodePidRequest(12345).toString('hex'), byName.get('V1'))
    assert.equal(encodeStopRequest().toString('hex'), byName.get('V4'))
    assert.equal(encodeControlFrame({ pid: 4242 }, Flag.CONTROL).toString('hex'), byName.get('V2'))
  })

  test('PONG (V6) and stream STOP (V7) are option-less, payload-less frames', () => {
    const byName = new Map(goldenVectors.map((v) => [v.name, v.hex]))
    assert.equal(
      encodeFrame({ flags: 0, stream: StreamBit.PONG }).toString('hex'),
      byName.get('V6'),
    )
    assert.equal(
      encodeFrame({ flags: 0, stream: StreamBit.STOP }).toString('hex'),
      byName.get('V7'),
    )
  })
})

describe('crc32', () => {
  test('check value of "123456789" is 0xCBF43926 (CRC-32/IEEE)', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926)
  })

  test('empty input is 0 and a range covers only [start, end)', () => {
    assert.equal(crc32(Buffer.alloc(0)), 0)
    const padded = Buffer.from('xx123456789yy')
    assert.equal(crc32(padded, 2, 11), 0xcbf43926)
  })

  test('matches known values of other inputs', () => {
    // zlib.crc32 reference values
    assert.equal(crc32(Buffer.from('a')), 0xe8b7be43)
    assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339)
  })

  test('the stream byte and options are outside the CRC (V3a vs V3c share it)', () => {
    const a = encodeFrame({ flags: 0, options: [2], payload: Buffer.from('{}hi') })
    const c = encodeFrame({
      flags: 0,
      stream: StreamBit.STREAM | StreamBit.PING,
      options: [2],
      payload: Buffer.from('{}hi'),
    })
    assert.equal(a.readUInt32LE(6), c.readUInt32LE(6))
    assert.notEqual(a[10], c[10])
  })
})

describe('encodePayloadFrame', () => {
  test('a string context: the option is its UTF-8 byte length, not its char count', () => {
    const context = '{"é":"ü€"}'
    const body = Buffer.from('body bytes')
    const frame = encodePayloadFrame(Flag.CODEC_JSON, context, body)
    const decoded = decodeOne(frame)
    const ctxBytes = Buffer.from(context, 'utf8')
    assert.ok(ctxBytes.length > context.length)
    assert.deepEqual(decoded.options, [ctxBytes.length])
    assert.equal(decoded.flags, Flag.CODEC_JSON)
    assert.equal(decoded.stream, 0)
    assert.deepEqual(decoded.payload, Buffer.concat([ctxBytes, body]))
  })

  test('string and Buffer contexts give identical frames', () => {
    const context = '{"status":200,"headers":{"X":["ä"]}}'
    const body = Buffer.from([0, 1, 2, 255, 254])
    const fromString = encodePayloadFrame(Flag.CODEC_JSON, context, body, StreamBit.STREAM)
    const fromBuffer = encodePayloadFrame(
      Flag.CODEC_JSON,
      Buffer.from(context),
      body,
      StreamBit.STREAM,
    )
    assert.deepEqual(fromString, fromBuffer)
    assert.deepEqual(
      fromString,
      encodeFrame({
        flags: Flag.CODEC_JSON,
        stream: StreamBit.STREAM,
        options: [Buffer.byteLength(context)],
        payload: Buffer.concat([Buffer.from(context), body]),
      }),
    )
  })

  test('a Uint8Array context that is a view into a larger buffer writes only the view', () => {
    const backing = Buffer.from('XXXX{"a":1}YYYY')
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 7)
    const frame = decodeOne(encodePayloadFrame(0, view, Buffer.from('b')))
    assert.deepEqual(frame.options, [7])
    assert.equal(frame.payload.toString(), '{"a":1}b')
  })

  test('empty context and empty body still make a valid one-option frame', () => {
    const frame = decodeOne(encodePayloadFrame(0, '', Buffer.alloc(0)))
    assert.deepEqual(frame.options, [0])
    assert.equal(frame.payload.length, 0)
  })
})

describe('options', () => {
  test(`${MAX_OPTIONS} options (HL 13) encode and decode, including 0 and 0xFFFFFFFF`, () => {
    const options = [0, 1, 0xffffffff, 0x80000000, 7, 8, 9, 10, 11, 0x12345678]
    assert.equal(options.length, MAX_OPTIONS)
    const bytes = encodeFrame({ flags: Flag.CODEC_JSON, options, payload: Buffer.from('x') })
    assert.equal(bytes[0], 0x1d)
    assert.equal(bytes.length, HEADER_SIZE + 4 * MAX_OPTIONS + 1)
    const frame = decodeOne(bytes)
    assert.deepEqual(frame.options, options)
    assert.equal(frame.payload.toString(), 'x')
  })

  test(`more than ${MAX_OPTIONS} options is refused with ERR_FRAME_TOO_MANY_OPTIONS`, () => {
    assert.throws(
      () => encodeFrame({ flags: 0, options: new Array<number>(MAX_OPTIONS + 1).fill(1) }),
      (err) => isCourserError(err, 'ERR_FRAME_TOO_MANY_OPTIONS'),
    )
  })
})
