// Parses `server.relay`: pipes | tcp://host:port | unix://path (spec §2.3).

import { CourserError } from '../errors.ts'

export type RelayAddress =
  { kind: 'pipes' } | { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string }

export function parseRelayAddress(address: string): RelayAddress {
  if (address === 'pipes') return { kind: 'pipes' }
  const tcp = /^tcp:\/\/([^:]+|\[[^\]]+\]):(\d{1,5})$/.exec(address)
  if (tcp) {
    const port = Number(tcp[2])
    // PHP's relay parser rejects an empty host (spec §2.3), so a host is required here too.
    if (port > 65535) throw new CourserError('ERR_RELAY_ADDRESS', `${address}: port out of range`)
    return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port }
  }
  const unix = /^unix:\/\/(.+)$/.exec(address)
  if (unix) return { kind: 'unix', path: unix[1]! }
  throw new CourserError(
    'ERR_RELAY_ADDRESS',
    `${JSON.stringify(address)}: expected pipes, tcp://host:port or unix://path`,
  )
}
