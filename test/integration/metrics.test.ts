// The metrics plugin in front of real PHP workers: RoadRunner's worker and request metrics,
// application collectors from `metrics.collect`, scraped over real HTTP.

import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { isCourserError } from '../../src/errors.ts'
import { MetricsPlugin } from '../../src/plugins/metrics/plugin.ts'
import type { PoolSettings } from '../../src/plugins/server/plugin.ts'
import { startHttp } from '../helpers/http.ts'
import { captureLogger } from '../helpers/log.ts'

async function startMetrics(t: TestContext, pool: Partial<PoolSettings>) {
  const harness = await startHttp(t, { pool })
  const metrics = new MetricsPlugin(
    {
      address: '127.0.0.1:0',
      collect: {
        app_orders: { type: 'counter', help: 'Orders', labels: ['kind'] },
        app_latency: { type: 'histogram', buckets: [0.5, 1] },
      },
    },
    [harness.http],
    captureLogger().log,
  )
  harness.http.addObserver(metrics.httpObserver())
  await metrics.serve()
  t.after(() => metrics.stop())
  const scrape = async (): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    return res.text()
  }
  return { ...harness, metrics, scrape }
}

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  assert.ok(line, `${series} in:\n${text}`)
  return Number(line.slice(series.length + 1))
}

test('worker metrics: totals, states, per-worker memory and execs, under RR names', async (t) => {
  const { scrape, http, base } = await startMetrics(t, { numWorkers: 2 })
  await (await fetch(`${base}/`)).arrayBuffer()
  const text = await scrape()
  assert.equal(value(text, 'rr_http_total_workers'), 2)
  assert.equal(value(text, 'rr_http_workers_ready'), 2)
  assert.equal(value(text, 'rr_http_workers_working'), 0)
  assert.equal(value(text, 'rr_http_requests_queue'), 0)
  let total = 0
  let execs = 0
  for (const w of http.pool!.list()) {
    assert.equal(value(text, `rr_http_worker_state{state="ready",pid="${w.pid}"}`), 1)
    const rss = value(text, `rr_http_worker_memory_bytes{pid="${w.pid}"}`)
    assert.ok(rss > 1024 * 1024, `RSS of ${w.pid}: ${rss}`)
    total += rss
    execs += value(text, `rr_http_worker_execs{pid="${w.pid}"}`)
  }
  assert.equal(value(text, 'rr_http_workers_memory_bytes'), total)
  assert.equal(execs, 1)
})

test('request metrics by status, and requests refused for want of a worker', async (t) => {
  const { scrape, base } = await startMetrics(t, { numWorkers: 1, maxQueueSize: 1 })
  for (const path of ['/', '/', '/error']) await (await fetch(`${base}${path}`)).arrayBuffer()
  // One request busy, one queued, the third refused at once (max_queue_size).
  const slow = [fetch(`${base}/sleep?ms=300`), fetch(`${base}/sleep?ms=10`)]
  await new Promise((r) => setTimeout(r, 100))
  const refused = await fetch(`${base}/`)
  assert.equal(refused.status, 500)
  await refused.arrayBuffer()
  await Promise.all(slow.map(async (p) => (await p).arrayBuffer()))
  const text = await scrape()
  assert.equal(value(text, 'rr_http_request_total{status="200"}'), 4)
  assert.equal(value(text, 'rr_http_request_total{status="500"}'), 2)
  assert.equal(value(text, 'rr_http_request_duration_seconds_count{status="200"}'), 4)
  assert.ok(value(text, 'rr_http_request_duration_seconds_sum{status="200"}') >= 0.3)
  assert.equal(value(text, 'rr_http_no_free_workers_total'), 1)
  assert.ok(value(text, 'rr_http_uptime_seconds') > 0)
})

test('metrics.collect declares application collectors at startup', async (t) => {
  const { scrape, metrics } = await startMetrics(t, { numWorkers: 1 })
  metrics.app.apply('Add', 'app_orders', 3, ['web'])
  metrics.app.apply('Observe', 'app_latency', 0.7, [])
  const text = await scrape()
  assert.match(text, /^# HELP app_orders Orders$/m)
  assert.equal(value(text, 'app_orders{kind="web"}'), 3)
  assert.equal(value(text, 'app_latency_bucket{le="0.5"}'), 0)
  assert.equal(value(text, 'app_latency_bucket{le="1"}'), 1)
})

test('a bad metrics.collect entry is ERR_CONFIG naming the key', () => {
  assert.throws(
    () =>
      new MetricsPlugin(
        { address: '127.0.0.1:0', collect: { x: { type: 'meter' } } },
        [],
        captureLogger().log,
      ),
    (err) =>
      isCourserError(err, 'ERR_CONFIG') &&
      /metrics\.collect\.x: unknown collector type "meter"/.test(err.message),
  )
})

test('a port in use is ERR_LISTEN naming metrics.address', async (t) => {
  const { metrics } = await startMetrics(t, { numWorkers: 1 })
  const second = new MetricsPlugin(
    { address: `127.0.0.1:${metrics.port}` },
    [],
    captureLogger().log,
  )
  await assert.rejects(
    second.serve(),
    (err) =>
      isCourserError(err, 'ERR_LISTEN') &&
      /^cannot listen on the configured address: metrics\.address: 127\.0\.0\.1:\d+: listen EADDRINUSE/.test(
        err.message,
      ),
  )
})
