import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RR_STATUS, canTransition, type WorkerState } from '../../../src/worker/index.ts'

const STATES: WorkerState[] = [
  'starting',
  'ready',
  'working',
  'retiring',
  'stopping',
  'stopped',
  'errored',
]

/** The lifecycle of src/worker/worker-state.ts, written out edge by edge. */
const ALLOWED = new Set([
  'starting>ready',
  'starting>errored',
  'starting>stopping',
  'starting>stopped',
  'ready>working',
  'ready>stopping',
  'ready>errored',
  'ready>stopped',
  'working>ready',
  'working>retiring',
  'working>errored',
  'working>stopping',
  'working>stopped',
  'retiring>stopping',
  'retiring>errored',
  'retiring>stopped',
  'stopping>stopped',
  'stopping>errored',
  'errored>stopping',
  'errored>stopped',
])

test('every (from, to) pair is allowed or denied exactly as the lifecycle says', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      assert.equal(canTransition(from, to), ALLOWED.has(`${from}>${to}`), `${from} → ${to}`)
    }
  }
})

test('stopped is terminal', () => {
  for (const to of STATES) assert.equal(canTransition('stopped', to), false, `stopped → ${to}`)
})

test('every live state can reach stopped (a process can exit any time)', () => {
  for (const from of STATES.filter((s) => s !== 'stopped')) {
    assert.equal(canTransition(from, 'stopped'), true, from)
  }
})

test('nothing goes back to starting, and only a working worker becomes ready again', () => {
  for (const from of STATES) assert.equal(canTransition(from, 'starting'), false, from)
  const intoReady = STATES.filter((s) => canTransition(s, 'ready'))
  assert.deepEqual(intoReady.sort(), ['starting', 'working'])
  assert.equal(canTransition('retiring', 'ready'), false)
  assert.equal(canTransition('errored', 'ready'), false)
  assert.equal(canTransition('stopping', 'ready'), false)
})

test('no self transitions', () => {
  for (const s of STATES) assert.equal(canTransition(s, s), false, s)
})

test('RoadRunner status codes and names (spec §3.6)', () => {
  assert.deepEqual(RR_STATUS, {
    starting: { code: 0, name: 'inactive' },
    ready: { code: 1, name: 'ready' },
    working: { code: 2, name: 'working' },
    retiring: { code: 3, name: 'invalid' },
    stopping: { code: 4, name: 'stopping' },
    stopped: { code: 5, name: 'stopped' },
    errored: { code: 8, name: 'errored' },
  })
})
