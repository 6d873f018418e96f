// application/x-www-form-urlencoded bodies: the pairs, grouped by key in first-seen order (Go's
// url.Values), decoded exactly as node's querystring.parse decodes them.

import { unescape as unescapeQuery } from 'node:querystring'

/**
 * querystring.parse walks the body a character at a time (about 80 µs for a 32 KB form here);
 * this cuts it at `&` and `=` with indexOf and decodes only the pieces that hold `+` or an escape.
 * Empty pieces (`a=1&&b=2`) are skipped; a piece without `=` is a key with the value ''.
 */
export function parseUrlencoded(body: string): Map<string, string[]> {
  const grouped = new Map<string, string[]>()
  let start = 0
  while (start < body.length) {
    let end = body.indexOf('&', start)
    if (end < 0) end = body.length
    if (end > start) {
      // The piece on its own, so that finding `=` never scans past it.
      const piece = body.slice(start, end)
      const eq = piece.indexOf('=')
      const key = decode(eq < 0 ? piece : piece.slice(0, eq))
      const value = eq < 0 ? '' : decode(piece.slice(eq + 1))
      const list = grouped.get(key)
      if (list) list.push(value)
      else grouped.set(key, [value])
    }
    start = end + 1
  }
  return grouped
}

const ESCAPE = /%[0-9a-fA-F]{2}/

function decode(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s
  // As querystring.parse: only a piece with a well-formed escape is decoded, by querystring's own
  // unescape (decodeURIComponent, else byte by byte, malformed bytes becoming U+FFFD).
  return spaced.includes('%') && ESCAPE.test(spaced) ? unescapeQuery(spaced) : spaced
}
