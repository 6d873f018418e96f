import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FifoQueue } from '../../../src/pool/index.ts'

/** Distinct objects, like the pool's waiters. */
const item = (n: number) => ({ n })

function drainAll<T>(q: FifoQueue<T>): T[] {
  return [...q.drain()]
}

test('first in, first out; shift on empty is undefined', () => {
  const q = new FifoQueue<{ n: number }>()
  assert.equal(q.length, 0)
  assert.equal(q.shift(), undefined)
  const items = [1, 2, 3].map(item)
  for (const i of items) q.push(i)
  assert.equal(q.length, 3)
  assert.equal(q.shift(), items[0])
  q.push(item(4))
  assert.deepEqual(
    drainAll(q).map((i) => i.n),
    [2, 3, 4],
  )
  assert.equal(q.length, 0)
  assert.equal(q.shift(), undefined)
})

test('peek shows the next item without taking it', () => {
  const q = new FifoQueue<{ n: number }>()
  assert.equal(q.peek(), undefined)
  const [a, b] = [item(1), item(2)]
  q.push(a)
  q.push(b)
  assert.equal(q.peek(), a)
  assert.equal(q.length, 2)
  assert.equal(q.shift(), a)
  assert.equal(q.peek(), b)
  q.remove(b)
  assert.equal(q.peek(), undefined)
})

test('remove takes out one specific item and keeps the order of the rest', () => {
  const q = new FifoQueue<{ n: number }>()
  const items = [1, 2, 3, 4, 5].map(item)
  for (const i of items) q.push(i)
  assert.equal(q.remove(items[2]!), true)
  assert.equal(q.length, 4)
  assert.equal(q.remove(items[2]!), false, 'already removed')
  assert.equal(q.remove(item(3)), false, 'an equal but different object is not in the queue')
  assert.equal(q.shift(), items[0])
  assert.equal(q.remove(items[0]!), false, 'an item already shifted out is not in the queue')
  assert.equal(q.remove(items[4]!), true)
  assert.deepEqual(
    drainAll(q).map((i) => i.n),
    [2, 4],
  )
})

test('drain empties the queue; items pushed afterwards are served normally', () => {
  const q = new FifoQueue<{ n: number }>()
  for (let i = 0; i < 10; i++) q.push(item(i))
  q.shift()
  assert.equal(drainAll(q).length, 9)
  assert.equal(q.length, 0)
  q.push(item(100))
  assert.equal(q.length, 1)
  assert.equal(q.shift()?.n, 100)
})

test('a drain stopped early leaves the rest in the queue', () => {
  const q = new FifoQueue<{ n: number }>()
  for (let i = 0; i < 5; i++) q.push(item(i))
  for (const i of q.drain()) if (i.n === 1) break
  assert.deepEqual(
    drainAll(q).map((i) => i.n),
    [2, 3, 4],
  )
})

test('compaction (> 1024 shifted) keeps order, length and remove working', () => {
  const q = new FifoQueue<{ n: number }>()
  const all = Array.from({ length: 5000 }, (_, i) => item(i))
  for (const i of all.slice(0, 3000)) q.push(i)
  for (let i = 0; i < 2000; i++) assert.equal(q.shift(), all[i])
  assert.equal(q.length, 1000)
  for (const i of all.slice(3000)) q.push(i)
  assert.equal(q.length, 3000)
  assert.equal(q.remove(all[2500]!), true)
  assert.equal(q.remove(all[1999]!), false, 'shifted before the compaction')
  assert.equal(q.remove(all[4999]!), true)
  const rest = drainAll(q).map((i) => i.n)
  const want = all
    .slice(2000)
    .map((i) => i.n)
    .filter((n) => n !== 2500 && n !== 4999)
  assert.deepEqual(rest, want)
})

test('steady push/shift far past the compaction threshold stays FIFO', () => {
  const q = new FifoQueue<{ n: number }>()
  let next = 0
  let expected = 0
  for (let round = 0; round < 20_000; round++) {
    q.push(item(next++))
    if (round % 3 !== 0) q.push(item(next++))
    const got = q.shift()
    assert.equal(got?.n, expected++)
  }
  assert.equal(q.length, next - expected)
  const rest = drainAll(q).map((i) => i.n)
  assert.deepEqual(
    rest,
    Array.from({ length: next - expected }, (_, i) => expected + i),
  )
})
