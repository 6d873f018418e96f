// What informer.Workers, the metrics and the status endpoint report about a plugin's workers.

import type { Pool, WorkerInfo } from '../../pool/index.ts'
import { RR_STATUS, type WorkerState } from '../../worker/index.ts'
import { procStats } from './proc.ts'

/** A plugin that owns a worker pool (the http plugin). */
export interface WorkerSource {
  readonly name: string
  /** Null before the plugin serves. */
  readonly pool: Pool | null
}

/** RoadRunner's process state (POOL `state/process/state.go`), field names as in its JSON. */
export interface ProcessState {
  pid: number
  /** RoadRunner's numeric worker status. */
  status: number
  numExecs: number
  /** Unix time in nanoseconds. */
  created: number
  /** RSS in bytes. */
  memoryUsage: number
  CPUPercent: number
  command: string
  statusStr: string
  /** Courser's addition (PHP clients ignore unknown keys): the request in flight, e.g. `GET /a`. */
  currentRequest?: string
  /** How long the request in flight has run, in milliseconds. */
  currentRequestMs?: number
}

export async function processStates(pool: Pool): Promise<ProcessState[]> {
  const command = pool.command.join(' ')
  const now = Date.now()
  return Promise.all(
    pool.list().map(async (w) => {
      const stats = await procStats(w.pid)
      const status = rrStatus(w)
      const ageSeconds = Math.max((now - w.createdAt) / 1000, 0.001)
      return {
        pid: w.pid,
        status: status.code,
        numExecs: w.execs,
        created: w.createdAt * 1_000_000,
        memoryUsage: stats.rssBytes,
        CPUPercent: Math.round((stats.cpuSeconds / ageSeconds) * 10000) / 100,
        command,
        statusStr: status.name,
        ...(w.current ? { currentRequest: w.current.label, currentRequestMs: w.current.ms } : {}),
      }
    }),
  )
}

/** The pool's own RR status when it reports one (ttlReached, maxJobsReached…), else the state's. */
function rrStatus(w: WorkerInfo): { code: number; name: string } {
  const own = w as WorkerInfo & { status?: unknown; statusStr?: unknown }
  if (typeof own.status === 'number' && typeof own.statusStr === 'string') {
    return { code: own.status, name: own.statusStr }
  }
  return RR_STATUS[w.state as WorkerState] ?? { code: 0, name: w.state }
}
