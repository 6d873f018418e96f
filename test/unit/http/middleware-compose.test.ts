// compose(): connect-style chaining, error routing, async middleware; addRequestHeader().

import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, test } from 'node:test'
import {
  addRequestHeader,
  compose,
  type Middleware,
} from '../../../src/plugins/http/middleware/types.ts'

const req = {} as IncomingMessage
const res = {} as ServerResponse

function run(list: Middleware[]): Promise<{ order: string[]; error: unknown; final: boolean }> {
  return new Promise((resolve) => {
    const order: string[] = []
    const handler = compose(
      list.map((mw, i) => (rq, rs, next) => {
        order.push(`mw${i}`)
        return mw(rq, rs, next)
      }),
      () => resolve({ order, error: undefined, final: true }),
      (err) => resolve({ order, error: err, final: false }),
    )
    handler(req, res)
  })
}

describe('compose', () => {
  test('no middleware: the final handler itself', () => {
    const final = (): void => {}
    assert.equal(
      compose([], final, () => {}),
      final,
    )
  })

  test('runs in list order and reaches the final handler', async () => {
    const pass: Middleware = (_q, _s, next) => next()
    const r = await run([
      pass,
      (_q, _s, next) => {
        setImmediate(next)
      },
      pass,
    ])
    assert.deepEqual(r.order, ['mw0', 'mw1', 'mw2'])
    assert.equal(r.final, true)
  })

  test('next(err), a throw and a rejection skip the rest and reach onError', async () => {
    const boom = new Error('boom')
    const never: Middleware = () => assert.fail('must not run')
    for (const failing of [
      ((_q, _s, next) => next(boom)) as Middleware,
      (() => {
        throw boom
      }) as Middleware,
      (async () => {
        await Promise.resolve()
        throw boom
      }) as Middleware,
    ]) {
      const r = await run([failing, never])
      assert.equal(r.error, boom)
      assert.deepEqual(r.order, ['mw0'])
    }
  })

  test('a second call of the same next is ignored', async () => {
    let finals = 0
    await new Promise<void>((resolve) => {
      const handler = compose(
        [
          (_q, _s, next) => {
            next()
            next()
            next(new Error('late'))
            setImmediate(resolve)
          },
        ],
        () => finals++,
        () => assert.fail('no error expected'),
      )
      handler(req, res)
    })
    assert.equal(finals, 1)
  })

  test('an async middleware that answers without next ends the chain', async () => {
    let finalRan = false
    const handler = compose(
      [async () => {}],
      () => {
        finalRan = true
      },
      () => assert.fail('no error'),
    )
    handler(req, res)
    await new Promise((r) => setImmediate(r))
    assert.equal(finalRan, false)
  })
})

describe('addRequestHeader', () => {
  test('adds to rawHeaders (what PHP sees) and to headers', () => {
    const r = { rawHeaders: ['Host', 'x', 'X-A', '1'], headers: { host: 'x', 'x-a': '1' } }
    const q = r as unknown as IncomingMessage
    addRequestHeader(q, 'X-A', '2')
    addRequestHeader(q, 'X-New', 'n')
    assert.deepEqual(r.rawHeaders, ['Host', 'x', 'X-A', '1', 'X-A', '2', 'X-New', 'n'])
    assert.deepEqual(r.headers, { host: 'x', 'x-a': '1, 2', 'x-new': 'n' })
  })
})
