// `static` (http.static): files under `dir` are served by Node, without a worker, when they exist;
// anything else goes on to the next middleware and PHP, as with RoadRunner. Never served from disk:
// a path with a `..` segment (403), a NUL or a backslash, a dotfile or dot-directory (except
// /.well-known/), a file without an extension, a forbidden extension (`.php` always is), a
// directory, and (unless follow_symlinks) a file whose real path lies outside `dir` (403).

import { createHash } from 'node:crypto'
import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, sep } from 'node:path'
import type { Logger } from 'pino'
import { CourserError } from '../../../errors.ts'
import { serveFile } from './serve-file.ts'
import { addRequestHeader, type Middleware } from './types.ts'

export interface StaticOptions {
  /** Absolute directory. */
  dir: string
  forbid?: readonly string[]
  allow?: readonly string[]
  calculateEtag?: boolean
  weak?: boolean
  request?: Readonly<Record<string, string>>
  response?: Readonly<Record<string, string>>
  followSymlinks?: boolean
}

/** Extensions with a leading dot, lower-cased: `PHP` and `.php` both become `.php`. */
function extSet(list: readonly string[] | undefined): Set<string> {
  const out = new Set<string>()
  for (const e of list ?? []) {
    const t = e.trim().toLowerCase()
    if (t) out.add(t.startsWith('.') ? t : `.${t}`)
  }
  return out
}

export type PathVerdict = { kind: 'serve'; rel: string } | { kind: 'next' } | { kind: 'forbidden' }

/**
 * What to do with a request target, before touching the disk: `rel` is the decoded path below the
 * root (no leading slash). Pure, so the rules can be tested one by one.
 */
export function checkPath(
  url: string,
  forbid: ReadonlySet<string>,
  allow: ReadonlySet<string>,
): PathVerdict {
  let pathname = url
  if (!pathname.startsWith('/')) {
    // absolute-form request target: http://host/path
    try {
      pathname = new URL(url).pathname
    } catch {
      return { kind: 'next' }
    }
  }
  const end = pathname.search(/[?#]/)
  if (end >= 0) pathname = pathname.slice(0, end)
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return { kind: 'next' }
  }
  const segments = decoded.split(/[/\\]/)
  if (segments.includes('..')) return { kind: 'forbidden' }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'next' }
  const parts = segments.filter((s) => s !== '' && s !== '.')
  for (let i = 0; i < parts.length; i++) {
    if (parts[i]!.startsWith('.') && !(i === 0 && parts[i] === '.well-known')) {
      return { kind: 'next' }
    }
  }
  const last = parts[parts.length - 1]
  if (last === undefined) return { kind: 'next' }
  const ext = extname(last).toLowerCase()
  if (ext === '' || forbid.has(ext)) return { kind: 'next' }
  if (allow.size > 0 && !allow.has(ext)) return { kind: 'next' }
  return { kind: 'serve', rel: parts.join('/') }
}

/** Strong ETags hash the content once per (file, size, mtime); weak ones use size and mtime. */
class EtagCache {
  #entries = new Map<string, { key: string; etag: string }>()

  static weak(st: Stats): string {
    return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
  }

  async strong(file: string, st: Stats): Promise<string> {
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`
    const hit = this.#entries.get(file)
    if (hit?.key === key) return hit.etag
    const hash = createHash('sha1')
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
    const etag = `"${st.size.toString(16)}-${hash.digest('base64url')}"`
    if (this.#entries.size >= 10_000) this.#entries.clear()
    this.#entries.set(file, { key, etag })
    return etag
  }
}

export function staticFiles(opts: StaticOptions, log: Logger): Middleware {
  let root: string
  try {
    root = realpathSync(opts.dir)
    if (!statSync(root).isDirectory()) throw new Error('not a directory')
  } catch {
    throw new CourserError(
      'ERR_CONFIG',
      `http.static.dir: root directory '${opts.dir}' does not exist or is not a directory`,
    )
  }
  const forbid = extSet(opts.forbid)
  forbid.add('.php')
  const allow = extSet(opts.allow)
  for (const e of forbid) allow.delete(e)
  const etags = new EtagCache()
  const inside = (p: string): boolean => p === root || p.startsWith(root + sep)

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
  ): Promise<void> => {
    const verdict = checkPath(req.url ?? '/', forbid, allow)
    if (verdict.kind === 'next') return next()
    if (verdict.kind === 'forbidden') return forbidden(res)
    let file: string
    let st: Stats
    try {
      file = await realpath(join(root, verdict.rel))
      st = await stat(file)
    } catch {
      return next() // no such file: PHP decides
    }
    if (!inside(file) && !opts.followSymlinks) {
      log.debug({ path: req.url, file }, 'static: file resolves outside http.static.dir')
      return forbidden(res)
    }
    if (!st.isFile() || forbid.has(extname(file).toLowerCase())) return next()
    let etag: string | undefined
    if (opts.calculateEtag) etag = opts.weak ? EtagCache.weak(st) : await etags.strong(file, st)
    for (const [name, value] of Object.entries(opts.request ?? {})) {
      addRequestHeader(req, name, value)
    }
    for (const [name, value] of Object.entries(opts.response ?? {})) res.setHeader(name, value)
    serveFile(req, res, file, etag === undefined ? {} : { etag })
  }

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next()
    return handle(req, res, next)
  }
}

function forbidden(res: ServerResponse): void {
  res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 9 })
  res.end('forbidden')
}
