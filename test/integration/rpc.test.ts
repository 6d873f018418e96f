// The RPC plugin over real sockets, in front of real PHP workers: framing, seq echo, out-of-order
// replies, error handling, each service, and the PHP client (php/src/Rpc) against it.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import { Flag, encodeFrame } from '../../src/protocol/index.ts'
import type { ProcessState } from '../../src/plugins/informer/workers.ts'
import { RpcClient } from '../../src/plugins/rpc/client.ts'
import { encodeRpcFrame } from '../../src/plugins/rpc/frame.ts'
import { ROOT, tempDir } from '../helpers/pool.ts'
import { waitFor } from '../helpers/process.ts'
import { RawPeer, startRpc } from '../helpers/rpc.ts'

const json = (method: string, seq: number, arg?: unknown): Buffer =>
  encodeRpcFrame({
    seq,
    method,
    codec: Flag.CODEC_JSON,
    body: arg === undefined ? '' : JSON.stringify(arg),
  })

async function rpcError(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    assert.ok(isCourserError(err, 'ERR_RPC_CALL'), String(err))
    return err.message
  }
  assert.fail('the call succeeded')
}

describe('framing', () => {
  test('the reply echoes seq and method, with the request codec', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    peer.write(json('rpc.Version', 0xfffffff0, true))
    const [reply] = await peer.waitReplies(1)
    assert.equal(reply!.seq, 0xfffffff0)
    assert.equal(reply!.method, 'rpc.Version')
    assert.equal(reply!.flags, Flag.CODEC_JSON)
    assert.equal(reply!.body.toString(), '"2023.3.12"')
  })

  test('replies come back out of order: a fast call overtakes a slow one', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    // resetter.Reset boots a new worker (tens of ms); rpc.Version answers at once.
    peer.write(Buffer.concat([json('resetter.Reset', 1, 'http'), json('rpc.Version', 2)]))
    const replies = await peer.waitReplies(2)
    assert.deepEqual(
      replies.map((r) => [r.seq, r.method, r.body.toString()]),
      [
        [2, 'rpc.Version', '"2023.3.12"'],
        [1, 'resetter.Reset', 'true'],
      ],
    )
  })

  test('method and argument errors reply with ERROR|codec and keep the connection', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    peer.write(json('informer.Nope', 1, 'http'))
    peer.write(json('nosuch.Method', 2))
    peer.write(json('noDot', 3))
    peer.write(
      encodeRpcFrame({ seq: 4, method: 'informer.Workers', codec: Flag.CODEC_JSON, body: '{bad' }),
    )
    peer.write(json('informer.Workers', 5, 42))
    peer.write(encodeRpcFrame({ seq: 6, method: 'rpc.Version', codec: 0, body: '' }))
    peer.write(json('rpc.Version', 7))
    const replies = await peer.waitReplies(7)
    const bySeq = new Map(replies.map((r) => [r.seq, r]))
    const error = (seq: number): string => {
      const r = bySeq.get(seq)!
      assert.equal(r.flags & Flag.ERROR, Flag.ERROR, `seq ${seq} is an error`)
      return r.body.toString()
    }
    assert.equal(error(1), "rpc: can't find method informer.Nope")
    assert.equal(bySeq.get(1)!.flags, Flag.CODEC_JSON | Flag.ERROR)
    assert.equal(error(2), "rpc: can't find service nosuch.Method")
    assert.equal(error(3), 'rpc: service/method request ill-formed: noDot')
    assert.match(error(4), /^json: /)
    assert.equal(error(5), 'json: cannot unmarshal number into Go value of type string')
    // No codec bit is gob, which Courser does not speak: an error in the same codec.
    assert.equal(bySeq.get(6)!.flags, Flag.CODEC_GOB | Flag.ERROR)
    assert.match(error(6), /gob codec/)
    assert.equal(bySeq.get(7)!.flags, Flag.CODEC_JSON)
    assert.equal(peer.socket.destroyed, false)
  })

  test('a frame without two options closes the connection', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    peer.write(json('rpc.Version', 1))
    await peer.waitReplies(1)
    peer.write(
      encodeFrame({ flags: Flag.CODEC_JSON, options: [2], payload: Buffer.from('rpc.Version') }),
    )
    await peer.closed
    // The server itself is fine.
    const other = await RpcClient.connect(rpc.address)
    t.after(() => other.close())
    assert.equal(await other.call('rpc.Version'), '2023.3.12')
  })

  test('bytes that are not a frame (bad CRC) close the connection', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    peer.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    await peer.closed
    assert.equal(peer.replies.length, 0)
  })

  test('a method name longer than the payload closes the connection', async (t) => {
    const { rpc } = await startRpc(t)
    const peer = await RawPeer.open(t, rpc.address)
    peer.write(
      encodeFrame({ flags: Flag.CODEC_JSON, options: [1, 500], payload: Buffer.from('a.B') }),
    )
    await peer.closed
  })

  test('listens on unix:// too', async (t) => {
    const path = join(tempDir(t, 'courser-rpc-'), 'rpc.sock')
    const { client, rpc } = await startRpc(t, { listen: `unix://${path}` })
    assert.equal(rpc.address, `unix://${path}`)
    assert.equal(await client.call('rpc.Version'), '2023.3.12')
  })

  test('raw codec: rpc.Config returns the bytes; JSON returns them base64-encoded', async (t) => {
    const { client } = await startRpc(t)
    const raw = await client.callRaw('rpc.Config', Buffer.alloc(0), Flag.CODEC_RAW)
    assert.deepEqual(JSON.parse(raw.toString()), { version: '3' })
    const b64 = await client.call<string>('rpc.Config', true)
    assert.equal(Buffer.from(b64, 'base64').toString(), raw.toString())
    // A method that does not return bytes cannot answer in raw.
    const reply = await client.send('informer.List', Buffer.alloc(0), Flag.CODEC_RAW)
    assert.equal(reply.flags, Flag.CODEC_RAW | Flag.ERROR)
  })
})

describe('informer', () => {
  test('List names the plugins with workers; Workers describes each worker', async (t) => {
    const { client, http } = await startRpc(t, { pool: { numWorkers: 2 } })
    assert.deepEqual(await client.call('informer.List', true), ['http'])
    const before = Date.now()
    const { workers } = await client.call<{ workers: ProcessState[] }>('informer.Workers', 'http')
    assert.equal(workers.length, 2)
    assert.deepEqual(
      workers.map((w) => w.pid).sort(),
      http
        .pool!.list()
        .map((w) => w.pid)
        .sort(),
    )
    for (const w of workers) {
      assert.deepEqual(Object.keys(w).sort(), [
        'CPUPercent',
        'command',
        'created',
        'memoryUsage',
        'numExecs',
        'pid',
        'status',
        'statusStr',
      ])
      assert.equal(w.status, 1)
      assert.equal(w.statusStr, 'ready')
      assert.equal(w.numExecs, 0)
      assert.match(w.command, /^php .*echo\.php$/)
      assert.ok(w.memoryUsage > 1024 * 1024, `RSS ${w.memoryUsage}`)
      assert.ok(
        w.created > (before - 60_000) * 1e6 && w.created <= before * 1e6,
        `created ${w.created}`,
      )
    }
  })

  test('Workers counts execs; an unknown or empty plugin gives {"workers":null}', async (t) => {
    const { client, base } = await startRpc(t)
    await (await fetch(`${base}/`)).arrayBuffer()
    const { workers } = await client.call<{ workers: ProcessState[] }>('informer.Workers', 'http')
    assert.equal(workers[0]!.numExecs, 1)
    assert.deepEqual(await client.call('informer.Workers', 'jobs'), { workers: null })
    assert.deepEqual(await client.call('informer.Workers'), { workers: null })
  })

  test('AddWorker and RemoveWorker change the pool; the last worker is never removed', async (t) => {
    const { client, http } = await startRpc(t)
    const pool = http.pool!
    assert.equal(await client.call('informer.AddWorker', 'http'), true)
    assert.equal(pool.list().length, 2)
    assert.equal(await client.call('informer.RemoveWorker', 'http'), true)
    await waitFor('one worker left', () => pool.list().length === 1, 3000)
    assert.equal(await client.call('informer.RemoveWorker', 'http'), true)
    assert.equal(pool.list().length, 1)
    assert.equal(
      await rpcError(client.call('informer.AddWorker', 'grpc')),
      'RPC call failed: informer.AddWorker: plugin does not support workers management: grpc',
    )
  })
})

describe('resetter', () => {
  test('List and Reset: every worker is replaced', async (t) => {
    const { client, http } = await startRpc(t, { pool: { numWorkers: 2 } })
    assert.deepEqual(await client.call('resetter.List', true), ['http'])
    const before = http.pool!.list().map((w) => w.pid)
    assert.equal(await client.call('resetter.Reset', 'http'), true)
    const after = http.pool!.list().map((w) => w.pid)
    assert.equal(after.length, 2)
    for (const pid of after) assert.ok(!before.includes(pid), `${pid} is new`)
  })

  test('an unknown plugin: no such plugin', async (t) => {
    const { client } = await startRpc(t)
    assert.equal(
      await rpcError(client.call('resetter.Reset', 'nope')),
      'RPC call failed: resetter.Reset: no such plugin: nope',
    )
  })
})

describe('metrics', () => {
  test('Declare, Add, Set, Sub, Observe and Unregister show in the registry', async (t) => {
    const { client, registry } = await startRpc(t)
    const declare = (name: string, collector: Record<string, unknown>): Promise<unknown> =>
      client.call('metrics.Declare', { name, collector })
    assert.equal(
      await declare('hits', { namespace: 'app', type: 'counter', help: 'Hits', labels: ['route'] }),
      true,
    )
    assert.equal(await declare('hits', { type: 'counter' }), true, 'declaring again is fine')
    assert.equal(await declare('temp', { type: 'gauge' }), true)
    assert.equal(await declare('lat', { type: 'histogram', buckets: [0.1, 1] }), true)
    assert.equal(await declare('sz', { type: 'summary', objectives: { '0.5': 0.05 } }), true)

    assert.equal(await client.call('metrics.Add', { name: 'hits', value: 2, labels: ['/a'] }), true)
    assert.equal(await client.call('metrics.Set', { Name: 'temp', Value: 10 }), true)
    assert.equal(await client.call('metrics.Sub', { name: 'temp', value: 3 }), true)
    assert.equal(await client.call('metrics.Observe', { name: 'lat', value: 0.5 }), true)
    assert.equal(await client.call('metrics.Observe', { name: 'sz', value: 7 }), true)
    const text = await registry.metrics()
    assert.match(text, /^app_hits\{route="\/a"\} 2$/m)
    assert.match(text, /^temp 7$/m)
    assert.match(text, /^lat_bucket\{le="1"\} 1$/m)
    assert.match(text, /^sz\{quantile="0.5"\} 7$/m)

    assert.equal(await client.call('metrics.Unregister', 'temp'), true)
    assert.doesNotMatch(await registry.metrics(), /^temp /m)
  })

  test('errors: undefined collector, missing labels, decreasing counter, wrong operation', async (t) => {
    const { client } = await startRpc(t)
    await client.call('metrics.Declare', {
      name: 'c',
      collector: { type: 'counter', labels: ['a'] },
    })
    await client.call('metrics.Declare', { name: 'plain', collector: { type: 'counter' } })
    const err = (method: string, arg: unknown): Promise<string> =>
      rpcError(client.call(`metrics.${method}`, arg))
    assert.match(await err('Add', { name: 'nope', value: 1 }), /undefined collector: nope/)
    assert.match(await err('Add', { name: 'c', value: 1 }), /required labels for collector: c/)
    assert.match(
      await err('Add', { name: 'c', value: 1, labels: ['x', 'y'] }),
      /inconsistent label cardinality/,
    )
    assert.match(await err('Add', { name: 'plain', value: -1 }), /counter cannot decrease in value/)
    assert.match(
      await err('Sub', { name: 'plain', value: 1 }),
      /collector does not support the requested operation/,
    )
    assert.match(
      await err('Observe', { name: 'plain', value: 1 }),
      /does not support the requested operation/,
    )
    assert.match(
      await err('Declare', { name: 'x', collector: { type: 'meter' } }),
      /unknown collector type "meter"/,
    )
    assert.match(
      await err('Add', { name: 'plain', value: 'one' }),
      /cannot unmarshal string into Go struct field \.value/,
    )
    assert.match(await err('Unregister', 'nope'), /undefined collector: nope/)
  })
})

describe('PHP client (php/src/Rpc/RPC.php)', () => {
  test('calls the real server through RR_RPC: replies, errors, raw codec', async (t) => {
    const { rpc } = await startRpc(t)
    const calls = [
      ['informer.List', true, null],
      ['rpc.Version', true, null],
      ['resetter.Reset', 'nope', null],
      ['metrics.Declare', { name: 'php_hits', collector: { type: 'counter' } }, null],
      ['metrics.Add', { name: 'php_hits', value: 1.0 }, null],
      ['rpc.Config', '', Flag.CODEC_RAW],
    ]
    // Async: the server answers from this process's event loop, which spawnSync would block.
    const { stdout } = await promisify(execFile)(
      'php',
      ['test/fixtures/php/rpc-client.php', JSON.stringify(calls)],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, RR_RPC: rpc.address },
        timeout: 20_000,
      },
    )
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepEqual(lines[0], { ok: ['http'] })
    assert.deepEqual(lines[1], { ok: '2023.3.12' })
    assert.deepEqual(lines[2], {
      error: `Error 'no such plugin: nope' on ${rpc.address}`,
      class: 'Courser\\Exception\\ServiceException',
    })
    assert.deepEqual(lines[3], { ok: true })
    assert.deepEqual(lines[4], { ok: true })
    assert.deepEqual(JSON.parse(Buffer.from(lines[5]!['ok'] as string, 'base64').toString()), {
      version: '3',
    })
  })
})
