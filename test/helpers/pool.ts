// Starts a real ServerPlugin (relay listener) and a Pool of real PHP workers, torn down in t.after().

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Pool } from '../../src/pool/index.ts'
import type { ExecRequest } from '../../src/worker/index.ts'
import { Flag } from '../../src/protocol/index.ts'
import { ServerPlugin, type PoolSettings } from '../../src/plugins/server/plugin.ts'
import { captureLogger, type LogLine } from './log.ts'
import type { Logger } from 'pino'

export const ROOT = new URL('../..', import.meta.url).pathname
export const WORKERS = 'test/fixtures/workers'

export const DEFAULT_SETTINGS: PoolSettings = {
  numWorkers: 1,
  maxJobs: 0,
  allocateTimeoutMs: 5000,
  destroyTimeoutMs: 1000,
  streamTimeoutMs: 1000,
  maxQueueSize: 0,
  debug: false,
}

export interface PoolHarness {
  server: ServerPlugin
  pool: Pool
  log: Logger
  lines: LogLine[]
}

/** A temp dir removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'courser-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Relay strings for the contract suite; `unix` gets a fresh socket path per call so tests never
 * share a listener.
 */
export function relayFor(t: TestContext, kind: 'pipes' | 'tcp' | 'unix'): string {
  if (kind === 'pipes') return 'pipes'
  if (kind === 'tcp') return 'tcp://127.0.0.1:0'
  return `unix://${join(tempDir(t, 'courser-sock-'), 'x.sock')}`
}

/**
 * A served ServerPlugin whose workers run `script` (a file under test/fixtures/workers, default
 * echo.php) or `command`, from the repository root. The caller stops it.
 */
export async function serveWorkers(
  log: Logger,
  opts: {
    script?: string
    command?: string[]
    relay?: string
    env?: Record<string, string>
    schedPolicy?: 'batch' | 'normal'
  } = {},
): Promise<ServerPlugin> {
  const server = new ServerPlugin(
    {
      command: opts.command ?? ['php', `${WORKERS}/${opts.script ?? 'echo.php'}`],
      env: opts.env ?? {},
      relay: opts.relay ?? 'pipes',
      cwd: ROOT,
      schedPolicy: opts.schedPolicy,
    },
    log,
  )
  await server.serve()
  return server
}

/** ServerPlugin + pool for `script` (a path under test/fixtures/workers, or any argv). */
export async function startPool(
  t: TestContext,
  opts: {
    script?: string
    command?: string[]
    relay?: string
    settings?: Partial<PoolSettings>
    /** Await pool.start() (default true). */
    start?: boolean
    env?: Record<string, string>
    schedPolicy?: 'batch' | 'normal'
  } = {},
): Promise<PoolHarness> {
  const { log, lines } = captureLogger()
  const server = await serveWorkers(log, opts)
  const pool = server.createPool('http', { ...DEFAULT_SETTINGS, ...opts.settings }, log)
  t.after(async () => {
    await pool.destroy()
    await server.stop()
  })
  if (opts.start !== false) await pool.start()
  return { server, pool, log, lines }
}

/** An HTTP-mode request for echo.php: `path` may carry a query string. */
export function request(path: string, body: Buffer | string = ''): ExecRequest {
  const q = path.indexOf('?')
  const context = JSON.stringify({
    uri: `http://localhost${path}`,
    rawQuery: q < 0 ? '' : path.slice(q + 1),
    method: 'GET',
  })
  return { context, body: Buffer.isBuffer(body) ? body : Buffer.from(body), codec: Flag.CODEC_JSON }
}

/** Pid of the worker that answered `/pid`. */
export async function pidOf(pool: Pool): Promise<number> {
  const payload = await pool.exec(request('/pid'))
  return Number(payload.body.toString())
}

export interface Echo {
  context: Record<string, unknown>
  body: string
  pid: number
}

export function parseEcho(body: Buffer): Echo {
  return JSON.parse(body.toString('utf8')) as Echo
}
