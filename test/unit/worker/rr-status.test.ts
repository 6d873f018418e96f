// RoadRunner statuses with retire reasons, and the stray-output splitter used for log lines.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodePayloadFrame } from '../../../src/protocol/index.ts'
import { findFrameHeader, rrStatus } from '../../../src/worker/index.ts'

test('a retire reason shows as its RoadRunner status once the worker is not serving', () => {
  assert.deepEqual(rrStatus('ready', null), { code: 1, name: 'ready' })
  assert.deepEqual(rrStatus('ready', 'ttl'), { code: 10, name: 'ttlReached' })
  assert.deepEqual(rrStatus('retiring', 'idle_ttl'), { code: 9, name: 'idleTTLReached' })
  assert.deepEqual(rrStatus('stopping', 'max_worker_memory'), {
    code: 11,
    name: 'maxMemoryReached',
  })
  assert.deepEqual(rrStatus('errored', 'exec_ttl'), { code: 12, name: 'execTTLReached' })
  assert.deepEqual(rrStatus('retiring', 'max_jobs'), { code: 7, name: 'maxJobsReached' })
  // Busy: still "working"; reasons without a status of their own keep the state's.
  assert.deepEqual(rrStatus('working', 'ttl'), { code: 2, name: 'working' })
  assert.deepEqual(rrStatus('retiring', 'reset'), { code: 3, name: 'invalid' })
})

test('findFrameHeader finds the frame after stray text, and nothing in text alone', () => {
  const frame = encodePayloadFrame(8, '{"status":200}', Buffer.from('hi'))
  const text = Buffer.from('Notice: undefined index at line 3\n')
  assert.equal(findFrameHeader(Buffer.concat([text, frame])), text.length)
  assert.equal(findFrameHeader(text), -1)
  assert.equal(findFrameHeader(Buffer.concat([text, frame.subarray(0, 11)])), -1)
})
