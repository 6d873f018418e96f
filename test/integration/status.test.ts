// The status plugin in front of real PHP workers: /health and /ready with RR's JSON reports.

import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { StatusPlugin, type Report } from '../../src/plugins/status/plugin.ts'
import { startHttp } from '../helpers/http.ts'
import { captureLogger } from '../helpers/log.ts'

async function startStatus(t: TestContext, unavailable = 503) {
  const harness = await startHttp(t, { pool: { numWorkers: 1 } })
  const status = new StatusPlugin(
    { address: '127.0.0.1:0', unavailableStatusCode: unavailable },
    [harness.http],
    captureLogger().log,
  )
  await status.serve()
  t.after(() => status.stop())
  const probe = async (path: string): Promise<{ status: number; reports: Report[] }> => {
    const res = await fetch(`http://127.0.0.1:${status.port}${path}`)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    return { status: res.status, reports: (await res.json()) as Report[] }
  }
  return { ...harness, status, probe }
}

test('/health and /ready answer 200 with one report per plugin', async (t) => {
  const { probe } = await startStatus(t)
  for (const path of ['/health', '/ready', '/health?plugin=http', '/ready?plugin=http']) {
    assert.deepEqual(await probe(path), {
      status: 200,
      reports: [{ plugin_name: 'http', error_message: '', status_code: 200 }],
    })
  }
})

test('an unknown plugin in the filter is unavailable', async (t) => {
  const { probe } = await startStatus(t)
  assert.deepEqual(await probe('/ready?plugin=http&plugin=jobs'), {
    status: 503,
    reports: [
      { plugin_name: 'http', error_message: '', status_code: 200 },
      { plugin_name: 'jobs', error_message: 'plugin not found: jobs', status_code: 503 },
    ],
  })
})

test('every worker busy: not ready (unavailable_status_code), still healthy', async (t) => {
  const { probe, base } = await startStatus(t, 599)
  const busy = fetch(`${base}/sleep?ms=400`)
  await new Promise((r) => setTimeout(r, 100))
  const ready = await probe('/ready')
  assert.equal(ready.status, 599)
  assert.deepEqual(ready.reports, [
    { plugin_name: 'http', error_message: 'no ready workers', status_code: 599 },
  ])
  assert.equal((await probe('/health')).status, 200)
  await (await busy).arrayBuffer()
  assert.equal((await probe('/ready')).status, 200)
})

test('once the http plugin has stopped, both probes fail', async (t) => {
  const { probe, http } = await startStatus(t)
  await http.stop()
  const health = await probe('/health')
  assert.equal(health.status, 503)
  assert.equal(health.reports[0]!.error_message, 'no live workers')
  assert.equal((await probe('/ready')).status, 503)
})

test('other paths are 404', async (t) => {
  const { status } = await startStatus(t)
  const res = await fetch(`http://127.0.0.1:${status.port}/metrics`)
  assert.equal(res.status, 404)
  await res.arrayBuffer()
})
