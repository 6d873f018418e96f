// Streaming frame decoder: takes chunks with arbitrary boundaries, yields whole frames.
// After the first malformed header it stays failed: a byte stream cannot be trusted past garbage.

import { CourserError } from '../errors.ts'
import { crc32 } from './crc32.ts'
import { HEADER_SIZE, MAX_OPTIONS, VERSION, type Frame } from './frame.ts'

/** PHP prints "Could not open input file: x" when the worker script is missing (spec §1.5). */
const COULD_NOT_OPEN = Buffer.from('Could not op')

export class FrameDecoder {
  #chunks: Buffer[] = []
  #buffered = 0
  #failed: CourserError | null = null

  /** Bytes received but not yet part of a whole frame (for error reports). */
  pending(): Buffer {
    return this.#chunks.length === 1
      ? this.#chunks[0]!
      : Buffer.concat(this.#chunks, this.#buffered)
  }

  get failed(): CourserError | null {
    return this.#failed
  }

  /**
   * Feeds one chunk; calls `onFrame` for each complete frame. Throws a CourserError on a malformed
   * header (then keeps throwing it), leaving the offending bytes in `pending()`.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    if (this.#failed) throw this.#failed
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    for (;;) {
      if (this.#buffered < HEADER_SIZE) return
      const head = this.#chunks[0]!.length >= HEADER_SIZE ? this.#chunks[0]! : this.#merge()
      const error = validateHeader(head)
      if (error) {
        this.#failed = error
        throw error
      }
      const hl = head[0]! & 0x0f
      const optionBytes = (hl - 3) * 4
      const payloadLength = head.readUInt32LE(2)
      const total = HEADER_SIZE + optionBytes + payloadLength
      if (this.#buffered < total) return
      const bytes = this.#chunks[0]!.length >= total ? this.#chunks[0]! : this.#merge()
      const options: number[] = []
      for (let i = 0; i < optionBytes; i += 4) options.push(bytes.readUInt32LE(HEADER_SIZE + i))
      const frame: Frame = {
        flags: bytes[1]!,
        stream: bytes[10]!,
        options,
        payload: bytes.subarray(HEADER_SIZE + optionBytes, total),
      }
      this.#consume(bytes, total)
      onFrame(frame)
    }
  }

  #merge(): Buffer {
    const merged = Buffer.concat(this.#chunks, this.#buffered)
    this.#chunks = [merged]
    return merged
  }

  #consume(first: Buffer, n: number): void {
    this.#buffered -= n
    if (first.length === n) this.#chunks.shift()
    else this.#chunks[0] = first.subarray(n)
  }
}

function validateHeader(head: Buffer): CourserError | null {
  if (head.subarray(0, 12).equals(COULD_NOT_OPEN))
    return new CourserError('ERR_WORKER_FILE_NOT_FOUND')
  const version = head[0]! >> 4
  const hl = head[0]! & 0x0f
  // Go's reader never checks the version; we do, because a wrong nibble is the cheapest garbage signal.
  if (version !== VERSION) return new CourserError('ERR_FRAME_BAD_VERSION', `got ${version}`)
  if (hl < 3) return new CourserError('ERR_FRAME_BAD_HEADER_LENGTH', `HL=${hl}`)
  if (hl - 3 > MAX_OPTIONS) return new CourserError('ERR_FRAME_TOO_MANY_OPTIONS', `HL=${hl}`)
  const expected = crc32(head, 0, 6)
  const actual = head.readUInt32LE(6)
  if (expected !== actual) {
    return new CourserError(
      'ERR_FRAME_BAD_CRC',
      `expected ${expected.toString(16)}, got ${actual.toString(16)}`,
    )
  }
  return null
}
