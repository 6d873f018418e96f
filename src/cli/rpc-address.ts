// Where the control commands (reset, workers) find the server: `rpc.listen` from the same config
// and `-o` overrides as `serve`.

import { expandVars, loadConfig } from '../config/index.ts'
import { CourserError, isCourserError } from '../errors.ts'
import type { GlobalOptions } from './main.ts'

export function rpcAddress(opts: GlobalOptions): string {
  let config
  try {
    config = loadConfig({
      file: opts.config,
      workdir: opts.workDir,
      overrides: opts.override,
      dotenv: opts.dotenv,
    })
  } catch (err) {
    // Laravel Octane runs `reset -o rpc.listen=… -s` next to a .rr.yaml it may have created empty:
    // an explicit rpc.listen is enough, whatever the file says.
    const explicit = overriddenListen(opts.override)
    if (explicit !== undefined && isCourserError(err, 'ERR_CONFIG')) return explicit
    throw err
  }
  if (!config.rpc) {
    throw new CourserError(
      'ERR_RPC_NOT_CONFIGURED',
      `${config.file}: no rpc section; add rpc.listen (e.g. tcp://127.0.0.1:6001) or pass -o rpc.listen=…`,
    )
  }
  return config.rpc.listen
}

/** The last `-o rpc.listen=…` value (quotes stripped, env-expanded), if any. */
function overriddenListen(overrides: readonly string[]): string | undefined {
  for (const o of [...overrides].reverse()) {
    const m = /^\s*rpc\.listen\s*=(.*)$/.exec(o)
    if (!m) continue
    const value = m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2')
    try {
      return expandVars(value, process.env)
    } catch {
      return value
    }
  }
  return undefined
}
