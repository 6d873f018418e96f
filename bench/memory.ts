// Memory check for issue #3: streaming a 1 GB response and uploading a 1 GB file through Courser
// must keep the server's RSS growth under 50 MB. Run: node --import tsx bench/memory.ts [--mb N]

import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'

const ROOT = new URL('..', import.meta.url).pathname
const mbArg = process.argv.indexOf('--mb')
const TOTAL_MB = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 1024
const CHUNK = 64 * 1024

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'courser-mem-'))
  const config = join(dir, 'mem.rr.yaml')
  writeFileSync(
    config,
    [
      'version: "3"',
      'server:',
      `  command: "php ${ROOT}test/fixtures/workers/stream.php"`,
      'http:',
      '  address: 127.0.0.1:0',
      `  max_request_size: ${TOTAL_MB * 2}`,
      `  uploads: { dir: ${dir} }`,
      '  pool: { num_workers: 1 }',
      'logs: { mode: production, level: warn }',
    ].join('\n'),
  )
  const child = spawn(
    process.execPath,
    [`${ROOT}bin/courser`, 'serve', '-c', config, '-o', 'logs.level=info'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /listening on [^\s"]*:(\d+)/.exec(out)
      if (m) {
        clearInterval(t)
        resolve(Number(m[1]))
      }
    }, 50)
    child.once('exit', () => reject(new Error(out)))
  })
  const base = `http://127.0.0.1:${port}`
  const pid = child.pid!
  // Warm up so lazy allocations are in the baseline.
  for (let i = 0; i < 20; i++) await (await fetch(`${base}/stream?n=100&size=65536`)).arrayBuffer()
  const results: Record<string, unknown> = { totalMB: TOTAL_MB, node: process.version }

  for (const scenario of ['response', 'upload'] as const) {
    const baseline = rssKb(pid)
    let peak = baseline
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 50)
    const started = Date.now()
    let bytes = 0
    if (scenario === 'response') {
      const n = (TOTAL_MB * 1024 * 1024) / CHUNK
      const res = await fetch(`${base}/stream?n=${n}&size=${CHUNK}`)
      for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length
    } else {
      const boundary = 'courserboundary'
      const total = TOTAL_MB * 1024 * 1024
      const block = Buffer.alloc(1024 * 1024, 120)
      function* body(): Generator<Buffer> {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        )
        for (let sent = 0; sent < total; sent += block.length) yield block
        yield Buffer.from(`\r\n--${boundary}--\r\n`)
      }
      // Node's fetch streams a Readable body when duplex is 'half' (not in the DOM RequestInit type).
      const init = {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: Readable.from(body()),
        duplex: 'half',
      }
      const res = await fetch(`${base}/upload`, init as unknown as RequestInit)
      await res.arrayBuffer()
      bytes = total
      if (res.status !== 200) throw new Error(`upload answered ${res.status}`)
    }
    clearInterval(sampler)
    const seconds = (Date.now() - started) / 1000
    const growthMB = (peak - baseline) / 1024
    results[scenario] = {
      bytes,
      seconds,
      MBps: Math.round(bytes / 1024 / 1024 / seconds),
      rssBaselineMB: Math.round(baseline / 1024),
      rssPeakMB: Math.round(peak / 1024),
      rssGrowthMB: Math.round(growthMB * 10) / 10,
      pass: growthMB < 50,
    }
    console.log(scenario, results[scenario])
  }
  child.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(`${ROOT}bench/results`, { recursive: true })
  const file = `${ROOT}bench/results/${new Date().toISOString().slice(0, 10)}-memory.json`
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`written ${file}`)
  const failed = ['response', 'upload'].some((k) => !(results[k] as { pass: boolean }).pass)
  process.exit(failed ? 1 : 0)
}

await main()
