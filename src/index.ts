// The programmatic API: run Courser from your own TypeScript (or JavaScript) file, with your own
// connect-style middleware in front of the PHP workers. docs/plugins/http.md has an example.
//
//   import { createServer } from 'courser'
//   const server = createServer({ config: '.rr.yaml', middleware: [myMiddleware] })
//   await server.serve()

import { buildContainer, configLogger } from './cli/commands/serve.ts'
import { loadConfig, type CourserConfig } from './config/index.ts'
import { CourserError } from './errors.ts'
import type { Container } from './container/index.ts'
import type { Logger } from './logger.ts'
import type { Middleware } from './plugins/http/middleware/index.ts'
import type { HttpPlugin } from './plugins/http/plugin.ts'

export type { CourserConfig } from './config/index.ts'
export { CourserError, isCourserError } from './errors.ts'
export {
  addRequestHeader,
  remoteAddr,
  setRemoteAddr,
  type Middleware,
  type NextFunction,
} from './plugins/http/middleware/index.ts'

export interface CreateServerOptions {
  /** The `.rr.yaml` (`-c`); default `.rr.yaml` in the working directory. */
  config?: string
  /** `-w`: working directory; default: the config file's directory. */
  workDir?: string
  /** `-o` overrides, e.g. `['http.address=127.0.0.1:0']`. */
  overrides?: readonly string[]
  /** `--dotenv` file. */
  dotenv?: string
  /**
   * Your middleware, in order. They run after the built-in ones named in `http.middleware` and
   * just before PHP: they see the resolved client address and their answers are compressed by
   * `gzip`. Needs an `http` section in the config.
   */
  middleware?: readonly Middleware[]
  /** Default: a logger built from the config's `logs` section. */
  logger?: Logger
}

export interface CourserServer {
  readonly config: CourserConfig
  readonly logger: Logger
  /** Starts the workers and the listeners. */
  serve(): Promise<void>
  /** Stops listening, lets requests in flight finish and stops the workers. */
  stop(): Promise<void>
  /** The port the http plugin listens on once serving (handy with `http.address: 127.0.0.1:0`). */
  readonly httpPort: number | undefined
}

export function createServer(opts: CreateServerOptions = {}): CourserServer {
  const config = loadConfig({
    file: opts.config ?? '.rr.yaml',
    ...(opts.workDir === undefined ? {} : { workdir: opts.workDir }),
    ...(opts.overrides === undefined ? {} : { overrides: opts.overrides }),
    ...(opts.dotenv === undefined ? {} : { dotenv: opts.dotenv }),
  })
  if (opts.middleware?.length && !config.http) {
    throw new CourserError('ERR_CONFIG', `${config.file}: middleware needs an http section`)
  }
  const logger = opts.logger ?? configLogger(config)
  const container: Container = buildContainer(config, logger, {
    middleware: [...(opts.middleware ?? [])],
  })
  return {
    config,
    logger,
    serve: () => container.serve(),
    stop: () => container.stop(),
    get httpPort() {
      const http = container.get('http') as HttpPlugin | undefined
      return http?.port
    },
  }
}
