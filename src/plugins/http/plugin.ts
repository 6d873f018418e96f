// The http plugin: a node:http server whose requests become worker payloads (spec §4).

import { rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Plugin } from '../../container/index.ts'
import { isCourserError, type ErrorCode } from '../../errors.ts'
import type { Pool } from '../../pool/index.ts'
import { Flag } from '../../protocol/index.ts'
import type { PoolSettings, ServerPlugin } from '../server/plugin.ts'
import { errorAnswer, writeError } from './error-response.ts'
import { middlewareErrorHandler } from './middleware/on-error.ts'
import { compose, type Middleware } from './middleware/types.ts'
import { readRequestBody, removeTmpFiles, type BodyOptions } from './request-body.ts'
import { requestContext } from './request-context.ts'
import { logRequest, type HttpObserver, type RequestEvent } from './request-log.ts'
import { requestContextProto } from './proto-codec.ts'
import { writeResponse } from './response.ts'
import { StreamWriter } from './stream-writer.ts'

export interface HttpOptions {
  /** host:port */
  address: string
  internalErrorCode: number
  accessLogs: boolean
  /** Request context encoding: json (default) or proto (RoadRunner >= 2024.1 wire format). */
  codec?: 'json' | 'proto'
  body: BodyOptions
  pool: PoolSettings
  /** Connect-style middleware in front of the workers, outermost first (http.middleware + user's). */
  middleware?: Middleware[]
  /**
   * How long a client may take to send the request head (slowloris guard): 408 and close after it.
   * Default 10 s.
   */
  headersTimeoutMs?: number
  /** How long a client may take to send the whole request, body included. Default 300 s (Node's). */
  requestTimeoutMs?: number
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** nginx's status for a request whose client closed the connection before the answer (logs only). */
const CLIENT_CLOSED_REQUEST = 499
const DEFAULT_REQUEST_TIMEOUT_MS = 300_000

export class HttpPlugin implements Plugin {
  readonly name = 'http'
  readonly dependsOn = ['server']
  #opts: HttpOptions
  #log: Logger
  #serverPlugin: ServerPlugin
  #pool: Pool | null = null
  #server: Server | null = null
  #observers: HttpObserver[] = []
  /** Requests whose response is not finished (or abandoned) yet; stop() waits for them only. */
  #inFlight = 0
  readonly #responseClosed = (): void => {
    this.#inFlight--
  }

  constructor(opts: HttpOptions, server: ServerPlugin, log: Logger) {
    this.#opts = opts
    this.#serverPlugin = server
    this.#log = log
  }

  /** Adds an observer of finished requests (metrics). */
  addObserver(observer: HttpObserver): void {
    this.#observers.push(observer)
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
    const handler = compose(
      this.#opts.middleware ?? [],
      (req, res) => void this.#handle(req, res),
      middlewareErrorHandler(this.#log, this.#opts.internalErrorCode, this.#opts.pool.debug),
    )
    const headersTimeout = this.#opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
    const server = createServer(
      {
        keepAliveTimeout: 65_000,
        headersTimeout,
        requestTimeout: Math.max(
          this.#opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          headersTimeout,
        ),
        // Node checks both timeouts on this interval (default 30 s); keep it well under them.
        connectionsCheckingInterval: Math.min(Math.max(Math.floor(headersTimeout / 4), 50), 1000),
      },
      (req, res) => {
        this.#inFlight++
        // 'close' fires once per response; `on` spares the once-wrapper on this hot path.
        res.on('close', this.#responseClosed)
        handler(req, res)
      },
    )
    this.#server = server
    const target = listenTarget(this.#opts.address)
    if ('path' in target) rmSync(target.path, { force: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(target, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const where = 'path' in target ? `unix://${target.path}` : `${target.host}:${this.port}`
    this.#log.info({ address: where }, `http server listening on ${where}`)
  }

  async stop(): Promise<void> {
    const server = this.#server
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      // close() waits for every connection, including ones a client opened ahead and never used
      // (undici does) or keeps between requests: once no request is in flight, drop them all.
      while (this.#inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20))
      server.closeAllConnections()
      await closed
    }
    await this.#pool?.destroy()
  }

  async reset(): Promise<void> {
    await this.#pool?.reset()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const tmpFiles: string[] = []
    let status: number
    let code: ErrorCode | undefined
    try {
      const read = readRequestBody(req, this.#opts.body, tmpFiles)
      const body = read instanceof Promise ? await read : read
      const stream = new StreamWriter(res, this.#log)
      const proto = this.#opts.codec === 'proto'
      const payload = await this.#pool!.exec(
        {
          label: `${req.method} ${req.url}`,
          context: proto ? requestContextProto(req, body) : requestContext(req, body),
          body: body.body,
          codec: proto ? Flag.CODEC_PROTO : Flag.CODEC_JSON,
        },
        stream,
      )
      status = stream.started ? stream.status : writeResponse(res, payload, req.method === 'HEAD')
    } catch (err) {
      const answer = errorAnswer(err, this.#opts.internalErrorCode, this.#opts.pool.debug)
      status = answer.status
      code = isCourserError(err) ? err.code : undefined
      const message = (err as Error).message
      if (code === 'ERR_POOL_CANCELLED') {
        // Nobody is there to answer: logged, not written.
        status = CLIENT_CLOSED_REQUEST
        this.#log.info({ code, method: req.method, URI: req.url, status }, message)
      } else {
        this.#log.error(
          {
            code,
            method: req.method,
            URI: req.url,
            status,
          },
          // A request killed by exec_ttl names the request too: the limit is about this URI.
          code === 'ERR_WORKER_EXEC_TTL' ? `${message}: ${req.method} ${req.url}` : message,
        )
        if (status === 413) res.setHeader('Connection', 'close')
        writeError(res, answer)
      }
    }
    if (tmpFiles.length) {
      // The client may have left already ('close' fired): then remove the files now.
      if (res.closed) removeTmpFiles(tmpFiles)
      else res.once('close', () => removeTmpFiles(tmpFiles))
    }
    const seconds = (performance.now() - started) / 1000
    const event: RequestEvent = { method: req.method ?? '', status, seconds, code }
    logRequest(this.#log, req, event, performance.timeOrigin + started, this.#opts.accessLogs)
    for (const observer of this.#observers) observer.onRequest(event)
  }
}

/** `host:port`, `tcp://host:port` or `unix://path` (the forms the config accepts). */
function listenTarget(address: string): { host: string; port: number } | { path: string } {
  if (address.startsWith('unix://')) return { path: address.slice('unix://'.length) }
  const hostPort = address.replace(/^tcp:\/\//, '')
  const i = hostPort.lastIndexOf(':')
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0'
  return { host, port: Number(hostPort.slice(i + 1)) }
}
