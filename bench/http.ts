// One HTTP request at a time (no keep-alive), for readiness and correctness checks.

import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export function httpRequest(
  url: string,
  opts: { method?: string; body?: string; contentType?: string; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close' }
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/octet-stream'
      headers['content-length'] = String(Buffer.byteLength(opts.body))
    }
    const req = request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}

/**
 * Polls `url` until it answers with any HTTP status; throws after `timeoutMs`, or as soon as
 * `exited` settles (the server died while starting).
 */
export async function waitForHttp(
  url: string,
  exited: Promise<string>,
  timeoutMs = 30_000,
): Promise<void> {
  let died: string | undefined
  void exited.then((why) => (died = why))
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (died !== undefined) throw new Error(`exited while starting (${died})`)
    try {
      await httpRequest(url, { timeoutMs: 2000 })
      return
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(100)
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms (${last})`)
}
