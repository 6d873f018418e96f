// `courser serve`: load the config, start the plugins it names, stop them all on SIGINT/SIGTERM.

import { resolve } from 'node:path'
import { loadConfig, type CourserConfig } from '../../config/index.ts'
import { Container, type Plugin } from '../../container/index.ts'
import { CourserError } from '../../errors.ts'
import { channel, createLogger, type Logger } from '../../logger.ts'
import { buildMiddleware, type Middleware } from '../../plugins/http/middleware/index.ts'
import { HttpPlugin, type HttpOptions } from '../../plugins/http/plugin.ts'
import { ServerPlugin } from '../../plugins/server/plugin.ts'
import type { GlobalOptions } from '../main.ts'
import { writePidFile } from '../pid-file.ts'
import { createRpcPlugin, registerControlPlugins } from '../plugins.ts'

const MB = 1024 * 1024

export async function serveCommand(opts: GlobalOptions): Promise<void> {
  const config = loadConfig({
    file: opts.config,
    workdir: opts.workDir,
    overrides: opts.override,
    dotenv: opts.dotenv,
  })
  const log = configLogger(config)
  const container = buildContainer(config, log)
  await container.serve()
  if (opts.pid) writePidFile()
  log.info({ config: config.file }, 'courser is serving')
  handleSignals(container, log)
}

/** The logger the config's `logs` section describes (the CLI and the programmatic API share it). */
export function configLogger(config: CourserConfig): Logger {
  return createLogger({
    mode: config.logs.mode,
    level: config.logs.level,
    encoding: config.logs.encoding,
    output: config.logs.output,
    channels: config.logs.channels,
  })
}

/** What the programmatic API (src/index.ts) adds to what the config file says. */
export interface ContainerExtras {
  /** Run after the http.middleware list, just before PHP. */
  middleware?: Middleware[]
}

export function buildContainer(
  config: CourserConfig,
  log: Logger,
  extras: ContainerExtras = {},
): Container {
  // Each plugin may take its pool's whole destroy_timeout to stop gracefully, plus a margin.
  const container = new Container(log, (config.http?.pool.destroy_timeout ?? 0) + 10_000)
  const plugins: Plugin[] = []
  const register = (plugin: Plugin): void => {
    plugins.push(plugin)
    container.register(plugin)
  }
  const rpc = createRpcPlugin(config, log)
  if (rpc) register(rpc)
  let http: HttpPlugin | null = null
  if (!config.server) {
    if (config.http) {
      throw new CourserError(
        'ERR_CONFIG',
        `${config.file}: server: the http plugin needs server.command`,
      )
    }
    registerControlPlugins(container, config, log, { rpc, http, plugins: () => plugins })
    return container
  }
  const server = new ServerPlugin(
    {
      command: config.server.command,
      env: { ...config.dotenv, ...config.server.env },
      relay: config.server.relay,
      schedPolicy: config.server.sched_policy,
      cwd: config.workdir,
      rpc: config.rpc?.listen_set && rpc ? () => rpc.address : undefined,
    },
    channel(log, 'server'),
  )
  register(server)
  if (config.http) {
    const httpLog = channel(log, 'http')
    const opts = httpOptions(config)
    opts.middleware = [
      ...buildMiddleware(config.http, { workdir: config.workdir, log: httpLog }),
      ...(extras.middleware ?? []),
    ]
    http = new HttpPlugin(opts, server, httpLog)
    register(http)
  }
  registerControlPlugins(container, config, log, { rpc, http, plugins: () => plugins })
  return container
}

function httpOptions(config: CourserConfig): HttpOptions {
  const http = config.http!
  const pool = http.pool
  return {
    address: http.address,
    internalErrorCode: http.internal_error_code,
    accessLogs: http.access_logs,
    codec: http.codec,
    body: {
      maxBytes: http.max_request_size * MB,
      rawBody: http.raw_body,
      uploadsDir: resolve(config.workdir, http.uploads.dir),
      forbid: http.uploads.forbid.map((e) => e.toLowerCase()),
      allow: http.uploads.allow.map((e) => e.toLowerCase()),
    },
    pool: {
      command: pool.command,
      numWorkers: pool.num_workers,
      maxJobs: pool.max_jobs,
      allocateTimeoutMs: pool.allocate_timeout,
      destroyTimeoutMs: pool.destroy_timeout,
      streamTimeoutMs: pool.stream_timeout,
      maxQueueSize: pool.max_queue_size,
      debug: pool.debug,
      supervisor: {
        watchTickMs: pool.supervisor.watch_tick,
        ttlMs: pool.supervisor.ttl,
        idleTtlMs: pool.supervisor.idle_ttl,
        execTtlMs: pool.supervisor.exec_ttl,
        maxWorkerMemoryMb: pool.supervisor.max_worker_memory,
      },
    },
  }
}

/** First signal: graceful stop. Second: immediate exit (the exit hook kills every worker). */
function handleSignals(container: Container, log: Logger): void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now')
      process.exit(1)
    }
    stopping = true
    log.info({ signal }, 'stopping')
    container.stop().then(
      () => {
        log.info('stopped')
        process.exit(0)
      },
      (err: unknown) => {
        log.error({ err }, 'stop failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
