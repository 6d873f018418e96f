// `courser workers [-i] [plugin...]`: informer.Workers over RPC as a table; `-i` redraws it every
// second until Ctrl-C.

import { RpcClient } from '../../plugins/rpc/client.ts'
import type { ProcessState } from '../../plugins/informer/workers.ts'
import type { GlobalOptions } from '../main.ts'
import { rpcAddress } from '../rpc-address.ts'
import { renderWorkers } from '../workers-table.ts'

const CLEAR = '\x1b[2J\x1b[H'

export async function workersCommand(
  opts: GlobalOptions,
  plugins: readonly string[],
  interactive: boolean,
): Promise<void> {
  const client = await RpcClient.connect(rpcAddress(opts))
  try {
    const names = plugins.length ? plugins : await client.call<string[]>('informer.List', true)
    if (!interactive) {
      process.stdout.write(await snapshot(client, names))
      return
    }
    await new Promise<void>((resolve, reject) => {
      const draw = (): void => {
        snapshot(client, names).then(
          (text) => process.stdout.write(CLEAR + text),
          (err: Error) => stop(err),
        )
      }
      const timer = setInterval(draw, 1000)
      const stop = (err?: Error): void => {
        clearInterval(timer)
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        if (err) reject(err)
        else resolve()
      }
      const onSignal = (): void => stop()
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      draw()
    })
  } finally {
    client.close()
  }
}

async function snapshot(client: RpcClient, names: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    names.map(async (name) => {
      const reply = await client.call<{ workers: ProcessState[] | null }>('informer.Workers', name)
      return reply.workers?.length ? renderWorkers(name, reply.workers) : ''
    }),
  )
  return parts.join('')
}
