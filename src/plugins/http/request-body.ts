// Reads a request body into what the worker gets (spec §4.4): raw bytes, or a parsed form tree
// plus uploads streamed to temp files. The whole body is read before a worker is taken.

import type { IncomingMessage } from 'node:http'
import { createWriteStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { extname, join } from 'node:path'
import busboy from 'busboy'
import { CourserError } from '../../errors.ts'
import { buildTree, groupByKey, treeToJson, type UploadLeaf } from './data-tree.ts'
import { parseUrlencoded } from './urlencoded.ts'

export interface BodyOptions {
  /** http.max_request_size in bytes; 0 = no limit. */
  maxBytes: number
  rawBody: boolean
  uploadsDir: string
  /** Lower-case extensions with the dot (`.php`). */
  forbid: readonly string[]
  allow: readonly string[]
}

export interface RequestBody {
  body: Buffer
  parsed: boolean
  /** JSON of the upload tree, or `null`. */
  uploads: string
}

const EMPTY = Buffer.alloc(0)
const UPLOAD_ERR_OK = 0
const UPLOAD_ERR_CANT_WRITE = 7
const UPLOAD_ERR_EXTENSION = 8

/**
 * `tmpFiles` collects upload temp files (also on failure) for the caller to remove after the response.
 * A request that cannot have a body (most GETs) is answered synchronously: no promise, no listeners.
 */
export function readRequestBody(
  req: IncomingMessage,
  opts: BodyOptions,
  tmpFiles: string[],
): RequestBody | Promise<RequestBody> {
  if (req.method === 'HEAD' || req.method === 'OPTIONS' || hasNoBody(req, opts)) {
    return noBody()
  }
  return readBody(req, opts, tmpFiles)
}

/** What a request without a body (or before its body is read) gives the worker. */
function noBody(): RequestBody {
  return { body: EMPTY, parsed: false, uploads: 'null' }
}

/**
 * RFC 9112 §6.3: a request without Content-Length and Transfer-Encoding has no body. A form
 * content type still goes the long way, so that an empty form arrives parsed, as before.
 */
function hasNoBody(req: IncomingMessage, opts: BodyOptions): boolean {
  const h = req.headers
  const length = h['content-length']
  return (
    (length === undefined || length === '0') &&
    h['transfer-encoding'] === undefined &&
    (opts.rawBody || h['content-type'] === undefined)
  )
}

async function readBody(
  req: IncomingMessage,
  opts: BodyOptions,
  tmpFiles: string[],
): Promise<RequestBody> {
  const result = noBody()
  const declared = Number(req.headers['content-length'] ?? 0)
  if (opts.maxBytes > 0 && declared > opts.maxBytes) {
    throw new CourserError('ERR_HTTP_BODY_TOO_LARGE', `Content-Length ${declared}`)
  }
  const type = req.headers['content-type'] ?? ''
  if (!opts.rawBody && type.includes('multipart/form-data')) {
    await readMultipart(req, opts, result, tmpFiles)
    return result
  }
  const raw = await readAll(req, opts.maxBytes)
  if (!opts.rawBody && type.includes('application/x-www-form-urlencoded')) {
    const grouped = parseUrlencoded(raw.toString('utf8'))
    result.body = Buffer.from(treeToJson(buildTree(grouped, (v) => v[v.length - 1]!)))
    result.parsed = true
    return result
  }
  result.body = raw
  return result
}

function readAll(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (maxBytes > 0 && size > maxBytes) {
        req.removeAllListeners('data')
        req.pause()
        reject(new CourserError('ERR_HTTP_BODY_TOO_LARGE', `more than ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
    req.once('error', (err) => reject(badRequest(err)))
  })
}

function readMultipart(
  req: IncomingMessage,
  opts: BodyOptions,
  out: RequestBody,
  tmpFiles: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, preservePath: false })
    } catch (err) {
      reject(new CourserError('ERR_HTTP_BAD_FORM', (err as Error).message))
      return
    }
    const fields: [string, string][] = []
    const files: [string, UploadLeaf][] = []
    const writes: Promise<void>[] = []
    let size = 0
    let failed = false
    const fail = (err: Error): void => {
      if (failed) return
      failed = true
      req.unpipe(parser)
      req.pause()
      reject(err)
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (opts.maxBytes > 0 && size > opts.maxBytes) {
        fail(new CourserError('ERR_HTTP_BODY_TOO_LARGE', `more than ${opts.maxBytes} bytes`))
      }
    })
    parser.on('field', (name, value) => fields.push([name, value]))
    parser.on('file', (name, stream, info) => {
      const leaf: UploadLeaf = {
        name: info.filename ?? '',
        mime: info.mimeType,
        size: 0,
        error: UPLOAD_ERR_OK,
        tmpName: '',
      }
      files.push([name, leaf])
      if (!extensionAllowed(leaf.name, opts)) {
        leaf.error = UPLOAD_ERR_EXTENSION
        stream.resume()
        return
      }
      const path = join(opts.uploadsDir, `upload${randomBytes(8).toString('hex')}`)
      tmpFiles.push(path)
      leaf.tmpName = path
      const file = createWriteStream(path, { mode: 0o600 })
      stream.on('data', (chunk: Buffer) => {
        leaf.size += chunk.length
      })
      stream.pipe(file)
      writes.push(
        new Promise<void>((done) => {
          file.once('finish', done)
          file.once('error', () => {
            leaf.error = UPLOAD_ERR_CANT_WRITE
            stream.resume()
            done()
          })
        }),
      )
    })
    parser.once('error', (err: Error) => fail(new CourserError('ERR_HTTP_BAD_FORM', err.message)))
    // The client went away (or broke the framing) mid-body: busboy would wait for the rest forever.
    req.once('error', (err) => fail(badRequest(err)))
    parser.once('close', () => {
      if (failed) return
      Promise.all(writes).then(() => {
        try {
          const data = buildTree(groupByKey(fields), (v) => v[v.length - 1]!)
          out.body = Buffer.from(treeToJson(data))
          out.parsed = true
          out.uploads = files.length
            ? treeToJson(buildTree(groupByKey(files), (v) => v[0]!))
            : 'null'
          resolve()
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)))
        }
      }, reject)
    })
    req.pipe(parser)
  })
}

/** The body could not be read: the client disconnected, or its chunked framing is broken. */
function badRequest(err: Error): CourserError {
  return new CourserError('ERR_HTTP_BAD_REQUEST', err.message, { cause: err })
}

function extensionAllowed(filename: string, opts: BodyOptions): boolean {
  const ext = extname(filename).toLowerCase()
  if (opts.forbid.includes(ext)) return false
  return opts.allow.length === 0 || opts.allow.includes(ext)
}

/** Removes upload temp files; called once the response is finished (or failed). */
export function removeTmpFiles(files: readonly string[]): void {
  for (const f of files) unlink(f).catch(() => {})
}
