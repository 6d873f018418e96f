// `proxy_ip_parser`: when the TCP peer is in `http.trusted_subnets`, the client address the worker
// sees (remoteAddr) comes from the forwarding headers, in RoadRunner's order: Forwarded,
// X-Forwarded-For, X-Real-Ip, True-Client-Ip, Cf-Connecting-Ip (or `http.trusted_headers`).
//
// Lists (Forwarded, X-Forwarded-For) are read right to left: the hops appended by trusted proxies
// are skipped and the first untrusted address is the client. RoadRunner takes the left-most entry,
// which the client itself can forge; the two agree whenever every hop is trusted.

import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'
import { parseSubnet } from '../../../config/http-middleware.ts'
import { peerAddr, setRemoteAddr } from '../request-context.ts'
import type { Middleware } from './types.ts'

export const DEFAULT_TRUSTED_HEADERS: readonly string[] = [
  'Forwarded',
  'X-Forwarded-For',
  'X-Real-Ip',
  'True-Client-Ip',
  'Cf-Connecting-Ip',
]

export interface ProxyIpOptions {
  /** CIDR subnets (or single addresses) whose forwarding headers are believed. */
  trustedSubnets: readonly string[]
  /** Headers consulted in order; empty = DEFAULT_TRUSTED_HEADERS. */
  trustedHeaders?: readonly string[]
}

export type TrustCheck = (addr: string) => boolean

/** A matcher for the subnets (IPv4-mapped IPv6 peers match IPv4 subnets). */
export function trustCheck(subnets: readonly string[]): TrustCheck {
  const list = new BlockList()
  for (const s of subnets) {
    const { address, prefix, family } = parseSubnet(s)
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6')
  }
  return (addr) => {
    const family = isIP(addr)
    return family !== 0 && list.check(addr, family === 4 ? 'ipv4' : 'ipv6')
  }
}

/** An address from a header: quotes, brackets and a port removed; undefined if it is not an IP. */
export function cleanAddress(raw: string): string | undefined {
  let s = raw.trim()
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim()
  if (s.startsWith('[')) {
    const end = s.indexOf(']')
    if (end < 0) return undefined
    s = s.slice(1, end)
  } else if (s.indexOf(':') !== -1 && s.indexOf(':') === s.lastIndexOf(':')) {
    s = s.slice(0, s.indexOf(':')) // IPv4 with a port
  }
  if (s.startsWith('::ffff:') && isIP(s.slice(7)) === 4) s = s.slice(7)
  return isIP(s) ? s : undefined
}

/** The `for=` values of a Forwarded header, first hop first (RFC 7239). */
export function forwardedFor(value: string): string[] {
  const out: string[] = []
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      if (pair.slice(0, eq).trim().toLowerCase() === 'for') out.push(pair.slice(eq + 1))
    }
  }
  return out
}

/** Right to left: skip trusted hops; the first untrusted one is the client. */
function fromList(entries: readonly string[], trusted: TrustCheck): string | undefined {
  let candidate: string | undefined
  for (let i = entries.length - 1; i >= 0; i--) {
    const addr = cleanAddress(entries[i]!)
    if (addr === undefined) return candidate // garbage (e.g. "unknown"): stop at what we have
    candidate = addr
    if (!trusted(addr)) return addr
  }
  return candidate
}

/** The client address the headers name, or undefined when none holds a usable address. */
export function resolveClientIp(
  headers: IncomingMessage['headers'],
  order: readonly string[],
  trusted: TrustCheck,
): string | undefined {
  for (const name of order) {
    const raw = headers[name.toLowerCase()]
    const value = Array.isArray(raw) ? raw.join(', ') : raw
    if (!value) continue
    const lower = name.toLowerCase()
    let ip: string | undefined
    if (lower === 'forwarded') ip = fromList(forwardedFor(value), trusted)
    else if (lower === 'x-forwarded-for') ip = fromList(value.split(','), trusted)
    else ip = cleanAddress(value)
    if (ip !== undefined) return ip
  }
  return undefined
}

export function proxyIpParser(opts: ProxyIpOptions): Middleware {
  const trusted = trustCheck(opts.trustedSubnets)
  const seen = new Set<string>()
  const order: string[] = []
  for (const h of opts.trustedHeaders ?? []) {
    const name = h.trim()
    if (name && !seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase())
      order.push(name)
    }
  }
  if (order.length === 0) order.push(...DEFAULT_TRUSTED_HEADERS)
  return (req, _res, next) => {
    if (trusted(peerAddr(req))) {
      const ip = resolveClientIp(req.headers, order, trusted)
      if (ip !== undefined) setRemoteAddr(req, ip)
    }
    next()
  }
}
