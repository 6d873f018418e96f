import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CourserError, isCourserError, type ErrorCode } from '../../../src/errors.ts'
import { FrameDecoder, crc32, encodeFrame, type Frame } from '../../../src/protocol/index.ts'
import { goldenVectors, prng, randInt } from '../../helpers/golden.ts'

interface Plain {
  flags: number
  stream: number
  options: number[]
  payloadHex: string
}

const plain = (f: Frame): Plain => ({
  flags: f.flags,
  stream: f.stream,
  options: [...f.options],
  payloadHex: f.payload.toString('hex'),
})

interface Vector {
  name: string
  bytes: Buffer
  frame: Plain
}

const expected: Vector[] = goldenVectors.map((v) => ({
  bytes: Buffer.from(v.hex, 'hex'),
  frame: { flags: v.flags, stream: v.stream, options: v.options, payloadHex: v.payloadHex },
  name: v.name,
}))

/** Feeds `chunks` one by one into a fresh decoder; returns every frame (copied to plain values). */
function decodeChunks(chunks: Buffer[]): Plain[] {
  const decoder = new FrameDecoder()
  const out: Plain[] = []
  for (const c of chunks) decoder.push(c, (f) => out.push(plain(f)))
  return out
}

/** Cuts `bytes` at random points (chunks of 0..maxChunk bytes; empty chunks included on purpose). */
function randomChunks(bytes: Buffer, rand: () => number, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  while (at < bytes.length) {
    const n = randInt(rand, maxChunk + 1)
    chunks.push(bytes.subarray(at, at + n))
    at += n
  }
  return chunks
}

function expectCode(fn: () => void, code: ErrorCode): CourserError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(isCourserError(caught, code), `expected ${code}, got ${String(caught)}`)
  return caught
}

describe('chunk boundaries', () => {
  for (const v of expected) {
    test(`${v.name}: split at every byte boundary gives the same frame`, () => {
      for (let i = 0; i <= v.bytes.length; i++) {
        const frames = decodeChunks([v.bytes.subarray(0, i), v.bytes.subarray(i)])
        assert.deepEqual(frames, [v.frame], `split at ${i}`)
      }
      for (let i = 1; i < v.bytes.length; i++) {
        for (let j = i; j < v.bytes.length; j++) {
          const frames = decodeChunks([
            v.bytes.subarray(0, i),
            v.bytes.subarray(i, j),
            v.bytes.subarray(j),
          ])
          assert.deepEqual(frames, [v.frame], `split at ${i} and ${j}`)
        }
      }
    })
  }

  test('every vector fed one byte at a time', () => {
    for (const v of expected) {
      const bytes = [...v.bytes].map((b) => Buffer.from([b]))
      assert.deepEqual(decodeChunks(bytes), [v.frame], v.name)
    }
  })

  test('every vector at 200 random splits each (seeded)', () => {
    const rand = prng(0xc0ffee)
    for (const v of expected) {
      for (let i = 0; i < 200; i++) {
        assert.deepEqual(decodeChunks(randomChunks(v.bytes, rand, 16)), [v.frame], v.name)
      }
    }
  })

  test('many frames concatenated, then randomly chunked, come out in order', () => {
    const rand = prng(42)
    const sequence: Vector[] = Array.from(
      { length: 300 },
      () => expected[randInt(rand, expected.length)]!,
    )
    // Some bigger frames too, so a frame spans many chunks.
    for (let i = 0; i < 5; i++) {
      const payload = Buffer.alloc(5000 + randInt(rand, 5000))
      for (let j = 0; j < payload.length; j++) payload[j] = randInt(rand, 256)
      const bytes = encodeFrame({ flags: 8, options: [17], payload })
      sequence.splice(randInt(rand, sequence.length), 0, {
        name: `big${i}`,
        bytes,
        frame: { flags: 8, stream: 0, options: [17], payloadHex: payload.toString('hex') },
      })
    }
    const stream = Buffer.concat(sequence.map((s) => s.bytes))
    const want = sequence.map((s) => s.frame)
    for (const maxChunk of [1, 7, 64, 1000, 100_000]) {
      assert.deepEqual(decodeChunks(randomChunks(stream, rand, maxChunk)), want, `max ${maxChunk}`)
    }
    assert.deepEqual(decodeChunks([stream]), want, 'one chunk')
  })

  test('frames handed out stay intact while later chunks arrive', () => {
    const decoder = new FrameDecoder()
    const kept: Frame[] = []
    const a = encodeFrame({ flags: 0, options: [1], payload: Buffer.from('first') })
    const b = encodeFrame({ flags: 0, options: [1], payload: Buffer.from('second') })
    const both = Buffer.concat([a, b])
    decoder.push(both.subarray(0, a.length + 3), (f) => kept.push(f))
    decoder.push(both.subarray(a.length + 3), (f) => kept.push(f))
    assert.deepEqual(
      kept.map((f) => f.payload.toString()),
      ['first', 'second'],
    )
  })

  test('transient chunks (one reused read buffer, overwritten after each push): frames stay intact', () => {
    const rand = prng(7)
    const payloads = [100, 20, 70_000, 0, 3 * 65_536 + 5, 1].map((n) => {
      const p = Buffer.alloc(n)
      for (let j = 0; j < n; j++) p[j] = randInt(rand, 256)
      return p
    })
    const stream = Buffer.concat(
      payloads.map((payload, i) => encodeFrame({ flags: 8, options: [i], payload })),
    )
    for (const size of [1, 5, 13, 4096, 65_536]) {
      const reused = Buffer.alloc(size)
      const decoder = new FrameDecoder()
      const kept: Frame[] = []
      for (let at = 0; at < stream.length; at += size) {
        const n = stream.copy(reused, 0, at, at + size)
        decoder.push(reused.subarray(0, n), (f) => kept.push(f), true)
        reused.fill(0xee) // the next read overwrites it
      }
      assert.deepEqual(
        kept.map((f) => [f.options[0], f.payload.equals(payloads[f.options[0]!]!)]),
        payloads.map((_, i) => [i, true]),
        `read buffer of ${size} bytes`,
      )
      assert.equal(decoder.buffered, 0)
    }
  })

  test('a frame larger than the preallocation limit grows as its bytes arrive', () => {
    const payload = Buffer.alloc(9 * 1024 * 1024 + 3, 0x61)
    payload[payload.length - 1] = 0x7a
    const bytes = encodeFrame({ flags: 0, options: [0], payload })
    const decoder = new FrameDecoder()
    const kept: Frame[] = []
    for (let at = 0; at < bytes.length; at += 65_536) {
      decoder.push(bytes.subarray(at, at + 65_536), (f) => kept.push(f), true)
    }
    assert.equal(kept.length, 1)
    assert.ok(kept[0]!.payload.equals(payload))
  })

  test('an empty chunk is a no-op', () => {
    const decoder = new FrameDecoder()
    let n = 0
    decoder.push(Buffer.alloc(0), () => n++)
    assert.equal(n, 0)
    assert.equal(decoder.pending().length, 0)
  })
})

describe('truncated input', () => {
  test('every proper prefix of every vector produces no frame and no error', () => {
    for (const v of expected) {
      for (let i = 0; i < v.bytes.length; i++) {
        const decoder = new FrameDecoder()
        let frames = 0
        decoder.push(v.bytes.subarray(0, i), () => frames++)
        assert.equal(frames, 0, `${v.name} prefix ${i}`)
        assert.equal(decoder.failed, null)
        assert.deepEqual(decoder.pending(), v.bytes.subarray(0, i))
      }
    }
  })

  test('a header announcing a 4 GiB payload just waits (bounded allocation, no hang)', () => {
    const head = Buffer.alloc(12)
    head[0] = 0x13
    head.writeUInt32LE(0xffffffff, 2)
    head.writeUInt32LE(crc32(head, 0, 6), 6)
    const decoder = new FrameDecoder()
    let frames = 0
    decoder.push(Buffer.concat([head, Buffer.alloc(1000)]), () => frames++)
    assert.equal(frames, 0)
    assert.equal(decoder.failed, null)
  })
})

describe('malformed input', () => {
  test('"Could not open input file" → ERR_WORKER_FILE_NOT_FOUND, also when it trickles in', () => {
    const text = Buffer.from('Could not open input file: missing.php\n')
    expectCode(() => new FrameDecoder().push(text, () => {}), 'ERR_WORKER_FILE_NOT_FOUND')

    const decoder = new FrameDecoder()
    for (let i = 0; i < 11; i++) decoder.push(text.subarray(i, i + 1), () => {})
    assert.equal(decoder.failed, null, 'not decided before 12 bytes')
    expectCode(() => decoder.push(text.subarray(11), () => {}), 'ERR_WORKER_FILE_NOT_FOUND')
    assert.ok(decoder.pending().toString().startsWith('Could not open input file'))
  })

  test('bad CRC → ERR_FRAME_BAD_CRC (corrupt CRC bytes, or a corrupt length byte)', () => {
    const v1 = Buffer.from(expected[0]!.bytes)
    const crcBroken = Buffer.from(v1)
    crcBroken[7] = crcBroken[7]! ^ 0x01
    expectCode(() => new FrameDecoder().push(crcBroken, () => {}), 'ERR_FRAME_BAD_CRC')
    const lengthBroken = Buffer.from(v1)
    lengthBroken[2] = lengthBroken[2]! + 1
    expectCode(() => new FrameDecoder().push(lengthBroken, () => {}), 'ERR_FRAME_BAD_CRC')
    const flagsBroken = Buffer.from(v1)
    flagsBroken[1] = 0x01
    expectCode(() => new FrameDecoder().push(flagsBroken, () => {}), 'ERR_FRAME_BAD_CRC')
  })

  test('bad version, HL < 3, HL > 13', () => {
    const cases: [number, ErrorCode][] = [
      [0x03, 'ERR_FRAME_BAD_VERSION'],
      [0x23, 'ERR_FRAME_BAD_VERSION'],
      [0x12, 'ERR_FRAME_BAD_HEADER_LENGTH'],
      [0x10, 'ERR_FRAME_BAD_HEADER_LENGTH'],
      [0x1e, 'ERR_FRAME_TOO_MANY_OPTIONS'],
      [0x1f, 'ERR_FRAME_TOO_MANY_OPTIONS'],
    ]
    for (const [byte0, code] of cases) {
      // A correct CRC, so only the checked field is wrong.
      const head = Buffer.alloc(12 + 64)
      head[0] = byte0
      head.writeUInt32LE(crc32(head, 0, 6), 6)
      expectCode(() => new FrameDecoder().push(head, () => {}), code)
    }
  })

  test('the stream byte and byte 11 are not covered by the CRC: changing them still decodes', () => {
    const v1 = Buffer.from(expected[0]!.bytes)
    v1[10] = 0x05
    v1[11] = 0xff
    const frames = decodeChunks([v1])
    assert.equal(frames.length, 1)
    assert.equal(frames[0]!.stream, 0x05)
  })

  test('after a failure the decoder keeps failing, even for valid frames', () => {
    const decoder = new FrameDecoder()
    const good = expected[0]!.bytes
    const frames: Plain[] = []
    const garbage = Buffer.from('PHP Warning: something went wrong\n')
    // A good frame, then garbage in the same chunk: the good frame is still delivered.
    const first = expectCode(
      () => decoder.push(Buffer.concat([good, garbage]), (f) => frames.push(plain(f))),
      'ERR_FRAME_BAD_VERSION',
    )
    assert.equal(frames.length, 1)
    assert.deepEqual(decoder.pending(), garbage)
    assert.equal(decoder.failed, first)
    for (let i = 0; i < 3; i++) {
      const again = expectCode(
        () => decoder.push(good, (f) => frames.push(plain(f))),
        'ERR_FRAME_BAD_VERSION',
      )
      assert.equal(again, first)
    }
    expectCode(() => decoder.push(Buffer.alloc(0), () => {}), 'ERR_FRAME_BAD_VERSION')
    assert.equal(frames.length, 1, 'no frame after the failure')
  })
})

describe('fuzz (seeded)', () => {
  const allowed = new Set<string>([
    'ERR_FRAME_BAD_CRC',
    'ERR_FRAME_BAD_HEADER_LENGTH',
    'ERR_FRAME_BAD_VERSION',
    'ERR_FRAME_TOO_MANY_OPTIONS',
    'ERR_WORKER_FILE_NOT_FOUND',
  ])

  /** Runs one input through a decoder in random chunks; returns frames seen and the error, if any. */
  function run(bytes: Buffer, rand: () => number): { frames: number; code: string | null } {
    const decoder = new FrameDecoder()
    let frames = 0
    for (const chunk of randomChunks(bytes, rand, 1 + randInt(rand, 40))) {
      try {
        decoder.push(chunk, () => frames++)
      } catch (err) {
        assert.ok(err instanceof CourserError, `non-CourserError thrown: ${String(err)}`)
        assert.ok(allowed.has(err.code), `unexpected code ${err.code}`)
        assert.equal(decoder.failed, err)
        return { frames, code: err.code }
      }
    }
    return { frames, code: null }
  }

  test('random garbage only ever fails with ERR_FRAME_* / ERR_WORKER_FILE_NOT_FOUND', () => {
    const rand = prng(1234)
    const started = Date.now()
    let failures = 0
    for (let i = 0; i < 4000; i++) {
      const bytes = Buffer.alloc(randInt(rand, 96))
      for (let j = 0; j < bytes.length; j++) bytes[j] = randInt(rand, 256)
      // Bias some inputs towards plausible headers so the deeper checks get exercised.
      if (bytes.length >= 12 && rand() < 0.5) bytes[0] = 0x10 | randInt(rand, 16)
      if (bytes.length >= 12 && rand() < 0.3) bytes.writeUInt32LE(crc32(bytes, 0, 6), 6)
      if (run(bytes, rand).code) failures++
    }
    assert.ok(failures > 1000, `the fuzzer should hit errors (got ${failures})`)
    assert.ok(Date.now() - started < 5000, 'fuzzing must stay fast')
  })

  test('valid streams with random byte flips: frames or an allowed error, never anything else', () => {
    const rand = prng(99)
    const stream = Buffer.concat(expected.map((v) => v.bytes))
    let clean = 0
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(stream)
      const flips = randInt(rand, 4)
      for (let k = 0; k < flips; k++) bytes[randInt(rand, bytes.length)] = randInt(rand, 256)
      const { frames, code } = run(bytes, rand)
      if (flips === 0) {
        assert.equal(code, null)
        assert.equal(frames, expected.length)
        clean++
      }
    }
    assert.ok(clean > 0)
  })
})
