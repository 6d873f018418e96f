// RPC service `resetter` (spec §5.5): List and Reset, what `courser reset` / `rr reset` call.

import type { Plugin } from '../../container/index.ts'
import { stringArg } from '../rpc/codec.ts'
import type { RpcMethod } from '../rpc/registry.ts'

export function resetterService(plugins: () => readonly Plugin[]): Record<string, RpcMethod> {
  const resettable = (): Plugin[] => plugins().filter((p) => p.reset !== undefined)
  return {
    List: () => resettable().map((p) => p.name),
    Reset: async (arg) => {
      const name = stringArg(arg)
      const plugin = resettable().find((p) => p.name === name)
      if (!plugin?.reset) throw new Error(`no such plugin: ${name}`)
      await plugin.reset()
      return true
    },
  }
}
