// `courser reset [plugin...]`: resetter.Reset over RPC for the named plugins, or every plugin that
// resetter.List names. Workers are replaced without failing in-flight requests.

import { isCourserError } from '../../errors.ts'
import { RpcClient } from '../../plugins/rpc/client.ts'
import type { GlobalOptions } from '../main.ts'
import { rpcAddress } from '../rpc-address.ts'

/** Resolves with the exit status: 0 when every reset succeeded. */
export async function resetCommand(
  opts: GlobalOptions,
  plugins: readonly string[],
  silent: boolean,
): Promise<number> {
  const client = await RpcClient.connect(rpcAddress(opts))
  try {
    const names = plugins.length ? plugins : await client.call<string[]>('resetter.List', true)
    const results = await Promise.all(
      names.map(async (name) => {
        if (!silent) process.stdout.write(`resetting plugin: [${name}]\n`)
        try {
          await client.call('resetter.Reset', name)
          if (!silent) process.stdout.write(`plugin reset: [${name}]\n`)
          return true
        } catch (err) {
          const why = isCourserError(err) ? err.message : String(err)
          process.stderr.write(`courser: reset ${name}: ${why}\n`)
          return false
        }
      }),
    )
    return results.every(Boolean) ? 0 : 1
  } finally {
    client.close()
  }
}
