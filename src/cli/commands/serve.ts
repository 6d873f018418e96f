// `courser serve`: load the config, start the plugins it names, stop them all on SIGINT/SIGTERM.

import { resolve } from 'node:path'
import { loadConfig, type CourserConfig } from '../../config/index.ts'
import { Container } from '../../container/index.ts'
import { CourserError } from '../../errors.ts'
import { createLogger, type Logger } from '../../logger.ts'
import { HttpPlugin, type HttpOptions } from '../../plugins/http/plugin.ts'
import { ServerPlugin } from '../../plugins/server/plugin.ts'
import type { GlobalOptions } from '../main.ts'

const MB = 1024 * 1024

export async function serveCommand(opts: GlobalOptions): Promise<void> {
  const config = loadConfig({
    file: opts.config,
    workdir: opts.workDir,
    overrides: opts.override,
    dotenv: opts.dotenv,
  })
  const log = createLogger({
    mode: config.logs.mode,
    level: config.logs.level,
    encoding: config.logs.encoding,
    output: config.logs.output[0],
  })
  const container = buildContainer(config, log)
  await container.serve()
  log.info({ config: config.file }, 'courser is serving')
  handleSignals(container, log)
}

export function buildContainer(config: CourserConfig, log: Logger): Container {
  const container = new Container(log)
  if (!config.server) {
    if (config.http) {
      throw new CourserError(
        'ERR_CONFIG',
        `${config.file}: server: the http plugin needs server.command`,
      )
    }
    return container
  }
  const server = new ServerPlugin(
    {
      command: config.server.command,
      env: { ...config.dotenv, ...config.server.env },
      relay: config.server.relay,
      cwd: config.workdir,
      rpc: config.rpc?.listen_set ? config.rpc.listen : undefined,
    },
    log.child({ plugin: 'server' }),
  )
  container.register(server)
  if (config.http) {
    container.register(new HttpPlugin(httpOptions(config), server, log.child({ plugin: 'http' })))
  }
  return container
}

function httpOptions(config: CourserConfig): HttpOptions {
  const http = config.http!
  const pool = http.pool
  return {
    address: http.address,
    internalErrorCode: http.internal_error_code,
    accessLogs: http.access_logs,
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
