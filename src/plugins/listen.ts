// Binding a plugin's own HTTP endpoint (metrics, status) with a one-line error naming its config key.

import type { Server } from 'node:http'
import { splitHostPort } from '../config/index.ts'
import { CourserError } from '../errors.ts'

/** Listens on `host:port`; a bad address or a failure (port in use) is ERR_LISTEN naming `key`. */
export async function listenOn(server: Server, address: string, key: string): Promise<void> {
  const hp = splitHostPort(address)
  if (!hp)
    throw new CourserError('ERR_LISTEN', `${key}: ${JSON.stringify(address)} is not host:port`)
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new CourserError('ERR_LISTEN', `${key}: ${address}: ${err.message}`, { cause: err }))
    server.once('error', onError)
    server.listen({ host: hp.host || undefined, port: hp.port }, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** The bound port of a listening server (the real one when 0 was asked for). */
export function boundPort(server: Server | null): number {
  const a = server?.address()
  return typeof a === 'object' && a ? a.port : 0
}

export async function closeServer(server: Server | null): Promise<void> {
  if (!server) return
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
}
