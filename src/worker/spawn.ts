// Starts the PHP process: no shell, own process group, RoadRunner's environment (spec §2.1, §2.2).

import { spawn, type ChildProcess } from 'node:child_process'

export interface SpawnOptions {
  /** argv; the first element is executed directly. */
  command: readonly string[]
  cwd: string
  /** Extra environment on top of the server's own (RR_MODE, RR_RELAY, server.env...). */
  env: Readonly<Record<string, string>>
  /** Pipes relay needs stdin/stdout for frames; socket relays leave stdout to the log. */
  relay: 'pipes' | 'socket'
}

export function spawnWorkerProcess(opts: SpawnOptions): ChildProcess {
  const [file, ...args] = opts.command
  if (!file) throw new Error('empty worker command')
  return spawn(file, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the server, which stops workers in order.
    detached: true,
    windowsHide: true,
  })
}
