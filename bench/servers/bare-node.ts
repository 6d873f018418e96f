// The HTTP ceiling: a bare node:http server answering every request with the bytes Courser sends
// for `GET /` (same status, headers and body). Runs as its own `node -e` process (no loader, no
// TypeScript), so its CPU and memory are measured like a server's.

import { join } from 'node:path'
import { waitForHttp } from '../http.ts'
import { ServerProcess } from '../process.ts'
import { VERSION_BODY } from '../scenarios.ts'
import { startError } from './logs.ts'
import type { ServerSpec } from './types.ts'

/** Source of the server; argv[1] is the port. Date, Connection and Keep-Alive come from node. */
export const BARE_SERVER_SOURCE = `
const http = require('node:http')
const body = Buffer.from(${JSON.stringify(VERSION_BODY)})
const server = http.createServer((req, res) => {
  req.resume()
  res.writeHead(200, {
    'Cache-Control': 'no-cache, private',
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': body.length,
  })
  res.end(body)
})
server.keepAliveTimeout = 65000
server.listen(Number(process.argv[1]), '127.0.0.1')
const stop = () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
`

export function bareNodeServer(): ServerSpec {
  return {
    id: 'node-http',
    label: 'bare node:http',
    settings: { process: 'one node process, constant response (the bytes of GET /)' },
    scenarios: ['root'],
    ceiling: true,
    async start(ctx) {
      const logFile = join(ctx.logDir, 'node-http.out')
      const node = new ServerProcess(
        'node:http',
        process.execPath,
        ['-e', BARE_SERVER_SOURCE, String(ctx.port)],
        { logFile },
      )
      const url = `http://127.0.0.1:${ctx.port}`
      try {
        await waitForHttp(`${url}/`, node.exited)
      } catch (err) {
        await node.stop()
        throw startError('bare node:http', err, [logFile])
      }
      return {
        url,
        processes: () => node.tree().map((proc) => ({ role: 'node', proc })),
        stop: () => node.stop(),
      }
    },
  }
}
