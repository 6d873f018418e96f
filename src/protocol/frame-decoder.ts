// Streaming frame decoder: takes chunks with arbitrary boundaries, yields whole frames.
// After the first malformed header it stays failed: a byte stream cannot be trusted past garbage.
//
// A frame split across chunks is copied once into a buffer of its exact size, allocated when its
// header is complete; the chunks themselves are never kept. So a relay may read into one reused
// buffer (`transient` chunks): a 1 MiB response then costs one allocation, not 16 read buffers
// plus a concatenation, and V8 runs far fewer major GCs (each external allocation counts).

import { CourserError } from '../errors.ts'
import { framePool } from './buffer-pool.ts'
import { crc32 } from './crc32.ts'
import { HEADER_SIZE, MAX_OPTIONS, VERSION, type Frame } from './frame.ts'

/** PHP prints "Could not open input file: x" when the worker script is missing (spec §1.5). */
const COULD_NOT_OPEN = Buffer.from('Could not op')
const NO_OPTIONS: readonly number[] = Object.freeze([])
/**
 * A frame's buffer is allocated whole up to this size; a larger one grows as its bytes arrive, so
 * a header announcing 4 GiB (a corrupt length, or a huge response) costs memory only for real bytes.
 */
const PREALLOCATE_MAX = 8 * 1024 * 1024

export class FrameDecoder {
  /** Header bytes of the next frame while fewer than HEADER_SIZE have arrived. */
  #head = Buffer.alloc(HEADER_SIZE)
  #headFilled = 0
  /** The frame being assembled (its bytes so far, up to #filled), and its whole length. */
  #frame: Buffer | null = null
  #filled = 0
  #total = 0
  #failed: CourserError | null = null
  /** After a failure: the offending bytes, from the bad header on. */
  #garbage: Buffer | null = null

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.#frame ? this.#filled : this.#headFilled
  }

  /** Those bytes (a copy), or after a failure the offending ones (for error reports). */
  pending(): Buffer {
    if (this.#garbage) return this.#garbage
    return Buffer.from(
      this.#frame
        ? this.#frame.subarray(0, this.#filled)
        : this.#head.subarray(0, this.#headFilled),
    )
  }

  get failed(): CourserError | null {
    return this.#failed
  }

  /**
   * Feeds one chunk; calls `onFrame` for each complete frame. `transient`: the chunk's memory is
   * reused once push returns, so frames are copied out of it (otherwise a frame lying whole in the
   * chunk is a view of it). Throws a CourserError on a malformed header (then keeps throwing it),
   * leaving the offending bytes in `pending()`.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void, transient = false): void {
    if (this.#failed) throw this.#failed
    const end = chunk.length
    let at = 0
    while (at < end) {
      if (this.#frame) {
        const n = Math.min(end - at, this.#total - this.#filled)
        const frame = this.#reserve(this.#filled + n)
        chunk.copy(frame, this.#filled, at, at + n)
        this.#filled += n
        at += n
        if (this.#filled < this.#total) return
        this.#frame = null
        this.#filled = 0
        onFrame(toFrame(frame, 0, frame.length))
        continue
      }
      if (this.#headFilled === 0 && end - at >= HEADER_SIZE) {
        const total = this.#frameLength(chunk, at)
        if (end - at >= total) {
          if (transient) {
            const copy = framePool.take(total)
            chunk.copy(copy, 0, at, at + total)
            onFrame(toFrame(copy, 0, total))
          } else onFrame(toFrame(chunk, at, at + total))
          at += total
          continue
        }
        this.#start(total)
        continue // the loop copies the rest of the chunk in
      }
      const n = Math.min(HEADER_SIZE - this.#headFilled, end - at)
      chunk.copy(this.#head, this.#headFilled, at, at + n)
      this.#headFilled += n
      at += n
      if (this.#headFilled < HEADER_SIZE) return
      let total: number
      try {
        total = this.#frameLength(this.#head, 0)
      } catch (err) {
        this.#garbage = Buffer.concat([this.#head, chunk.subarray(at)])
        throw err
      }
      this.#headFilled = 0
      this.#start(total)
      this.#head.copy(this.#frame!, 0, 0, HEADER_SIZE)
      this.#filled = HEADER_SIZE
      if (total === HEADER_SIZE) {
        const whole = this.#frame!
        this.#frame = null
        this.#filled = 0
        onFrame(toFrame(whole, 0, total))
      }
    }
  }

  #start(total: number): void {
    this.#frame = framePool.take(Math.min(total, PREALLOCATE_MAX))
    this.#filled = 0
    this.#total = total
  }

  /** The frame buffer, grown (doubling, at most to the frame's length) to hold `size` bytes. */
  #reserve(size: number): Buffer {
    const frame = this.#frame!
    if (size <= frame.length) return frame
    const grown = Buffer.allocUnsafe(Math.min(this.#total, Math.max(frame.length * 2, size)))
    frame.copy(grown, 0, 0, this.#filled)
    this.#frame = grown
    return grown
  }

  /** Validates the header at `buf[at..]` and returns the whole frame's length. */
  #frameLength(buf: Buffer, at: number): number {
    const error = validateHeader(buf, at)
    if (error) {
      this.#failed = error
      this.#garbage ??= Buffer.from(buf.subarray(at))
      throw error
    }
    return HEADER_SIZE + ((buf[at]! & 0x0f) - 3) * 4 + buf.readUInt32LE(at + 2)
  }
}

function toFrame(bytes: Buffer, start: number, end: number): Frame {
  const optionBytes = ((bytes[start]! & 0x0f) - 3) * 4
  let options = NO_OPTIONS
  if (optionBytes > 0) {
    const list: number[] = []
    for (let i = 0; i < optionBytes; i += 4) list.push(bytes.readUInt32LE(start + HEADER_SIZE + i))
    options = list
  }
  return {
    flags: bytes[start + 1]!,
    stream: bytes[start + 10]!,
    options,
    payload: bytes.subarray(start + HEADER_SIZE + optionBytes, end),
  }
}

function validateHeader(buf: Buffer, at: number): CourserError | null {
  const version = buf[at]! >> 4
  const hl = buf[at]! & 0x0f
  // Go's reader never checks the version; we do, because a wrong nibble is the cheapest garbage signal.
  if (version !== VERSION) {
    // PHP's own complaint ('C' is not version 1), looked for only once the frame is known bad.
    if (buf.compare(COULD_NOT_OPEN, 0, COULD_NOT_OPEN.length, at, at + HEADER_SIZE) === 0)
      return new CourserError('ERR_WORKER_FILE_NOT_FOUND')
    return new CourserError('ERR_FRAME_BAD_VERSION', `got ${version}`)
  }
  if (hl < 3) return new CourserError('ERR_FRAME_BAD_HEADER_LENGTH', `HL=${hl}`)
  if (hl - 3 > MAX_OPTIONS) return new CourserError('ERR_FRAME_TOO_MANY_OPTIONS', `HL=${hl}`)
  const expected = crc32(buf, at, at + 6)
  const actual = buf.readUInt32LE(at + 6)
  if (expected !== actual) {
    return new CourserError(
      'ERR_FRAME_BAD_CRC',
      `expected ${expected.toString(16)}, got ${actual.toString(16)}`,
    )
  }
  return null
}
