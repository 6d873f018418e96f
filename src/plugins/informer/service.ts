// RPC service `informer` (spec §5.5): List, Workers, AddWorker, RemoveWorker.

import { stringArg } from '../rpc/codec.ts'
import type { RpcMethod } from '../rpc/registry.ts'
import { processStates, type ProcessState, type WorkerSource } from './workers.ts'

export function informerService(sources: () => readonly WorkerSource[]): Record<string, RpcMethod> {
  const find = (name: string): WorkerSource | undefined => sources().find((s) => s.name === name)
  const managed = (arg: unknown): NonNullable<WorkerSource['pool']> => {
    const name = stringArg(arg)
    const pool = find(name)?.pool
    if (!pool) throw new Error(`plugin does not support workers management: ${name}`)
    return pool
  }
  return {
    List: () => sources().map((s) => s.name),
    Workers: async (arg): Promise<{ workers: ProcessState[] | null }> => {
      const pool = find(stringArg(arg))?.pool
      return { workers: pool ? await processStates(pool) : null }
    },
    AddWorker: async (arg) => {
      await managed(arg).addWorker()
      return true
    },
    RemoveWorker: (arg) => {
      const pool = managed(arg)
      // As in RoadRunner, the last worker is never removed.
      if (pool.stats().workers > 1) pool.removeWorker()
      return true
    },
  }
}
