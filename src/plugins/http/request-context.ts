// Builds RoadRunner's JSON request context (spec §4.1, §4.2) straight into a string.

import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'

const canonicalCache = new Map<string, string>()

/** Go's CanonicalMIMEHeaderKey: `content-type` → `Content-Type`; keys with odd bytes stay as sent. */
export function canonicalHeaderKey(key: string): string {
  const cached = canonicalCache.get(key)
  if (cached !== undefined) return cached
  let out = key
  if (/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
    out = key
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())
  }
  if (canonicalCache.size < 4096) canonicalCache.set(key, out)
  return out
}

/** Headers as `{Name: [values]}`; Host and Transfer-Encoding are left out, as Go's server does. */
export function headersJson(raw: readonly string[]): string {
  const map = new Map<string, string[]>()
  for (let i = 0; i < raw.length; i += 2) {
    const name = canonicalHeaderKey(raw[i]!)
    if (name === 'Host' || name === 'Transfer-Encoding') continue
    const list = map.get(name)
    if (list) list.push(raw[i + 1]!)
    else map.set(name, [raw[i + 1]!])
  }
  let out = '{'
  for (const [name, values] of map) {
    if (out.length > 1) out += ','
    out += JSON.stringify(name) + ':' + JSON.stringify(values)
  }
  return out + '}'
}

/** Cookies as `{name: value}`; values URL-unescaped, undecodable ones dropped (Go's behaviour). */
export function cookiesJson(header: string | undefined): string {
  if (!header) return '{}'
  const cookies: Record<string, string> = {}
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const name = part.slice(0, eq).trim()
    let value = part.slice(eq + 1).trim()
    if (!name) continue
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1)
    try {
      cookies[name] = decodeURIComponent(value.replaceAll('+', ' '))
    } catch {
      // Go's url.QueryUnescape fails on bad escapes and RR drops the cookie.
    }
  }
  return JSON.stringify(cookies)
}

/** Client address without the port; IPv4-mapped IPv6 shown as plain IPv4, as Go reports it. */
export function remoteAddr(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? ''
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr
}

const CRLF = /[\r\n]/g

export interface ContextParts {
  parsed: boolean
  /** JSON of the upload tree, or `null`. */
  uploads: string
}

export function requestContext(req: IncomingMessage, parts: ContextParts): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const rawQuery = q < 0 ? '' : url.slice(q + 1).replace(CRLF, '')
  let uri: string
  if (/^https?:\/\//i.test(url)) uri = url
  else {
    const scheme = (req.socket as TLSSocket).encrypted ? 'https://' : 'http://'
    uri = scheme + (req.headers.host ?? '') + url
  }
  uri = uri.replace(CRLF, '')
  return (
    '{"remoteAddr":' +
    JSON.stringify(remoteAddr(req)) +
    ',"protocol":"HTTP/' +
    req.httpVersion +
    '","method":' +
    JSON.stringify(req.method ?? 'GET') +
    ',"uri":' +
    JSON.stringify(uri) +
    ',"headers":' +
    headersJson(req.rawHeaders) +
    ',"cookies":' +
    cookiesJson(req.headers.cookie) +
    ',"rawQuery":' +
    JSON.stringify(rawQuery) +
    ',"parsed":' +
    (parts.parsed ? 'true' : 'false') +
    ',"uploads":' +
    parts.uploads +
    ',"attributes":{}}'
  )
}
