// The fixed load scenarios: what wrk sends, and what a correct answer looks like.

import { isDeepStrictEqual } from 'node:util'
import { httpRequest } from './http.ts'

export const VERSION_BODY = 'Lumen (8.3.4) (Laravel Components ^8.0)'
export const BIG_BYTES = 1024 * 1024
export const FORM_BYTES = 32 * 1024

export interface Scenario {
  id: 'root' | 'hello' | 'form' | 'big'
  title: string
  method: 'GET' | 'POST'
  path: string
  body?: string
  contentType?: string
}

/** 32 fields `f00=…&f01=…` of letters and digits, exactly FORM_BYTES long. */
export function formBody(bytes = FORM_BYTES, fields = 32): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const names = Array.from({ length: fields }, (_, i) => `f${String(i).padStart(2, '0')}`)
  const overhead = names.reduce((n, k) => n + k.length + 1, 0) + fields - 1 // `k=` and `&`
  const total = bytes - overhead
  const parts = names.map((name, i) => {
    const len = Math.floor(total / fields) + (i < total % fields ? 1 : 0)
    let value = ''
    for (let j = 0; j < len; j++) value += alphabet[(i * 7 + j * 13) % alphabet.length]
    return `${name}=${value}`
  })
  return parts.join('&')
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'root', title: 'GET / (framework version)', method: 'GET', path: '/' },
  { id: 'hello', title: 'GET /hello/bob (JSON)', method: 'GET', path: '/hello/bob' },
  {
    id: 'form',
    title: 'POST /form (32 KB urlencoded)',
    method: 'POST',
    path: '/form',
    body: formBody(),
    contentType: 'application/x-www-form-urlencoded',
  },
  { id: 'big', title: 'GET /big (1 MB response)', method: 'GET', path: '/big' },
]

/** Sends the scenario's request once; returns why the answer is wrong, or undefined if right. */
export async function checkScenario(baseUrl: string, s: Scenario): Promise<string | undefined> {
  let res
  try {
    res = await httpRequest(baseUrl + s.path, {
      method: s.method,
      body: s.body,
      contentType: s.contentType,
    })
  } catch (err) {
    return `${s.method} ${s.path}: ${(err as Error).message}`
  }
  const body = res.body.toString('utf8')
  const show = body.length > 200 ? `${body.slice(0, 200)}… (${res.body.length} bytes)` : body
  if (res.status !== 200) return `${s.method} ${s.path}: status ${res.status}: ${show}`
  switch (s.id) {
    case 'root':
      if (body !== VERSION_BODY) return `GET /: got ${JSON.stringify(show)}`
      return undefined
    case 'hello':
      if (body !== '{"hello":"bob"}') return `GET /hello/bob: got ${JSON.stringify(show)}`
      return undefined
    case 'form': {
      const expected = Object.fromEntries(new URLSearchParams(s.body))
      let got: unknown
      try {
        got = JSON.parse(body)
      } catch {
        return `POST /form: not JSON: ${show}`
      }
      return isDeepStrictEqual(got, expected) ? undefined : `POST /form: wrong echo: ${show}`
    }
    case 'big':
      if (res.body.length !== BIG_BYTES) {
        return `GET /big: ${res.body.length} bytes, expected ${BIG_BYTES} (is the /big route there?)`
      }
      return undefined
  }
}
