// The http plugin: a node:http server whose requests become worker payloads (spec §4).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Plugin } from '../../container/index.ts'
import { isCourserError } from '../../errors.ts'
import type { Pool } from '../../pool/index.ts'
import { Flag } from '../../protocol/index.ts'
import type { PoolSettings, ServerPlugin } from '../server/plugin.ts'
import { errorAnswer, writeError } from './error-response.ts'
import { readRequestBody, removeTmpFiles, type BodyOptions } from './request-body.ts'
import { requestContext } from './request-context.ts'
import { writeResponse } from './response.ts'
import { StreamWriter } from './stream-writer.ts'

export interface HttpOptions {
  /** host:port */
  address: string
  internalErrorCode: number
  accessLogs: boolean
  body: BodyOptions
  pool: PoolSettings
}

export class HttpPlugin implements Plugin {
  readonly name = 'http'
  readonly dependsOn = ['server']
  #opts: HttpOptions
  #log: Logger
  #serverPlugin: ServerPlugin
  #pool: Pool | null = null
  #server: Server | null = null

  constructor(opts: HttpOptions, server: ServerPlugin, log: Logger) {
    this.#opts = opts
    this.#serverPlugin = server
    this.#log = log
  }

  get pool(): Pool | null {
    return this.#pool
  }

  /** The bound port (useful when the address asked for port 0). */
  get port(): number {
    const a = this.#server?.address()
    return typeof a === 'object' && a ? a.port : 0
  }

  async serve(): Promise<void> {
    this.#pool = this.#serverPlugin.createPool('http', this.#opts.pool, this.#log)
    await this.#pool.start()
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      void this.#handle(req, res)
    })
    this.#server = server
    const { host, port } = splitAddress(this.#opts.address)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#log.info(
      { address: `${host}:${this.port}` },
      `http server listening on ${host}:${this.port}`,
    )
  }

  async stop(): Promise<void> {
    const server = this.#server
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      await closed
    }
    await this.#pool?.destroy()
  }

  async reset(): Promise<void> {
    await this.#pool?.reset()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    const tmpFiles: string[] = []
    let status: number
    try {
      const body = await readRequestBody(req, this.#opts.body, tmpFiles)
      const stream = new StreamWriter(res, this.#log)
      const payload = await this.#pool!.exec(
        { context: requestContext(req, body), body: body.body, codec: Flag.CODEC_JSON },
        stream,
      )
      status = stream.started ? stream.status : writeResponse(res, payload, req.method === 'HEAD')
    } catch (err) {
      const answer = errorAnswer(err, this.#opts.internalErrorCode, this.#opts.pool.debug)
      status = answer.status
      this.#log.error(
        {
          code: isCourserError(err) ? err.code : undefined,
          method: req.method,
          URI: req.url,
          status,
        },
        (err as Error).message,
      )
      if (status === 413) res.setHeader('Connection', 'close')
      writeError(res, answer)
    }
    if (tmpFiles.length) res.once('close', () => removeTmpFiles(tmpFiles))
    if (this.#opts.accessLogs) {
      this.#log.info(
        {
          method: req.method,
          status,
          URI: req.url,
          remote_address: req.socket.remoteAddress,
          elapsed: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'http log',
      )
    }
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':')
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0'
  return { host, port: Number(address.slice(i + 1)) }
}
