// Builds RoadRunner's request context (spec §4.1, §4.2); the JSON form goes straight into a string.

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

/** Request headers by canonical name; Host and Transfer-Encoding are left out, as Go's server does. */
export function headerMap(raw: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (let i = 0; i < raw.length; i += 2) {
    const name = canonicalHeaderKey(raw[i]!)
    if (name === 'Host' || name === 'Transfer-Encoding') continue
    const value = headerValue(raw[i + 1]!)
    const list = map.get(name)
    if (list) list.push(value)
    else map.set(name, [value])
  }
  return map
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/

/**
 * Node decodes header bytes as Latin-1; PHP (like Go) should see the bytes the client sent, so
 * UTF-8 values are re-decoded. Bytes that are not UTF-8 become U+FFFD, as Go's JSON encoder does.
 */
function headerValue(latin1: string): string {
  return NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1
}

/** Headers as `{Name: [values]}`. */
export function headersJson(raw: readonly string[]): string {
  let out = '{'
  for (const [name, values] of headerMap(raw)) {
    if (out.length > 1) out += ','
    out += JSON.stringify(name) + ':' + JSON.stringify(values)
  }
  return out + '}'
}

/** Cookies by name; values URL-unescaped, undecodable ones dropped (Go's behaviour). */
export function cookieMap(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {}
  if (!header) return cookies
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
  return cookies
}

export function cookiesJson(header: string | undefined): string {
  return header ? JSON.stringify(cookieMap(header)) : '{}'
}

const resolvedAddrs = new WeakMap<IncomingMessage, string>()

/** Replaces the client address the worker sees (the proxy_ip_parser middleware's result). */
export function setRemoteAddr(req: IncomingMessage, addr: string): void {
  resolvedAddrs.set(req, addr)
}

/** Address of the TCP peer without the port; IPv4-mapped IPv6 shown as plain IPv4, as Go does. */
export function peerAddr(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? ''
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr
}

/** Client address: the one middleware resolved (setRemoteAddr), else the TCP peer's. */
export function remoteAddr(req: IncomingMessage): string {
  return resolvedAddrs.get(req) ?? peerAddr(req)
}

const CRLF = /[\r\n]/g

export interface ContextParts {
  parsed: boolean
  /** JSON of the upload tree, or `null`. */
  uploads: string
}

/** The request line pieces every codec needs: absolute uri (CR/LF removed) and raw query. */
export function requestTarget(req: IncomingMessage): { uri: string; rawQuery: string } {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const rawQuery = q < 0 ? '' : url.slice(q + 1).replace(CRLF, '')
  let uri: string
  if (/^https?:\/\//i.test(url)) uri = url
  else {
    const scheme = (req.socket as TLSSocket).encrypted ? 'https://' : 'http://'
    uri = scheme + (req.headers.host ?? '') + url
  }
  return { uri: uri.replace(CRLF, ''), rawQuery }
}

/** RoadRunner's JSON request context (RR <= 2023.3 wire format; every PHP http version reads it). */
export function requestContext(req: IncomingMessage, parts: ContextParts): string {
  const { uri, rawQuery } = requestTarget(req)
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
