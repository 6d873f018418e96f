import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BufferPool } from '../../../src/protocol/index.ts'

describe('BufferPool', () => {
  test('small and huge sizes are plain allocations, never pooled', () => {
    const pool = new BufferPool()
    for (const size of [0, 100, 64 * 1024 - 1, 9 * 1024 * 1024]) {
      const b = pool.take(size)
      assert.equal(b.length, size)
      pool.give(b)
    }
    assert.equal(pool.kept, 0)
  })

  test('memory given back is reused for the same size class', () => {
    const pool = new BufferPool()
    const a = pool.take(1_048_600)
    assert.equal(a.length, 1_048_600)
    pool.give(a.subarray(12)) // a view of it (a payload's body) gives back the whole buffer
    assert.equal(pool.kept, a.buffer.byteLength)
    const b = pool.take(1_048_700)
    assert.equal(b.buffer, a.buffer, 'same memory, same 64 KiB class')
    assert.equal(pool.kept, 0)
    const c = pool.take(2_000_000)
    assert.notEqual(c.buffer, a.buffer)
  })

  test('giving back twice, or memory it never handed out, is ignored', () => {
    const pool = new BufferPool()
    const a = pool.take(200_000)
    pool.give(a)
    pool.give(a)
    assert.equal(pool.kept, a.buffer.byteLength, 'kept once')
    const b = pool.take(200_000)
    const c = pool.take(200_000)
    assert.notEqual(b.buffer, c.buffer, 'two takers never share memory')
    pool.give(Buffer.alloc(200_000))
    pool.give(Buffer.allocUnsafeSlow(200_000))
    assert.equal(pool.kept, 0)
  })

  test('keeps at most 32 MiB', () => {
    const pool = new BufferPool()
    const bufs = Array.from({ length: 40 }, () => pool.take(1024 * 1024))
    for (const b of bufs) pool.give(b)
    assert.equal(pool.kept, 32 * 1024 * 1024)
  })
})
