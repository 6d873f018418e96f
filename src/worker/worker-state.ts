// The worker lifecycle as an explicit state machine.
//
//   starting ──► ready ◄──► working ──► (stream end) ready
//      │           │           │
//      │           ▼           ▼
//      │       stopping ◄── retiring (busy, retire when released)
//      ▼           ▼
//   errored ──► stopped     (any state ──► stopped when the process exits)

export type WorkerState =
  'starting' | 'ready' | 'working' | 'retiring' | 'stopping' | 'stopped' | 'errored'

const EDGES: Record<WorkerState, readonly WorkerState[]> = {
  starting: ['ready', 'errored', 'stopping', 'stopped'],
  ready: ['working', 'stopping', 'errored', 'stopped'],
  working: ['ready', 'retiring', 'errored', 'stopping', 'stopped'],
  retiring: ['stopping', 'errored', 'stopped'],
  stopping: ['stopped', 'errored'],
  errored: ['stopping', 'stopped'],
  stopped: [],
}

export function canTransition(from: WorkerState, to: WorkerState): boolean {
  return EDGES[from].includes(to)
}

/** RoadRunner's numeric status codes, for `informer.Workers` compatibility (spec §3.6). */
export const RR_STATUS: Record<WorkerState, { code: number; name: string }> = {
  starting: { code: 0, name: 'inactive' },
  ready: { code: 1, name: 'ready' },
  working: { code: 2, name: 'working' },
  retiring: { code: 3, name: 'invalid' },
  stopping: { code: 4, name: 'stopping' },
  stopped: { code: 5, name: 'stopped' },
  errored: { code: 8, name: 'errored' },
}

/**
 * Why a worker was taken out of service. The supervisor limits, `max_jobs` and `exec_ttl` have their
 * own RoadRunner status for `informer.Workers` (spec §3.6); the others keep the state's status.
 */
export type RetireReason =
  'ttl' | 'idle_ttl' | 'max_worker_memory' | 'exec_ttl' | 'max_jobs' | 'stop_request' | 'reset'

const RR_REASON_STATUS: Partial<Record<RetireReason, { code: number; name: string }>> = {
  max_jobs: { code: 7, name: 'maxJobsReached' },
  idle_ttl: { code: 9, name: 'idleTTLReached' },
  ttl: { code: 10, name: 'ttlReached' },
  max_worker_memory: { code: 11, name: 'maxMemoryReached' },
  exec_ttl: { code: 12, name: 'execTTLReached' },
}

/**
 * The RoadRunner status of a worker: its state's, or its retire reason's once the worker is no longer
 * serving a request (RR sets e.g. `ttlReached` on an idle worker it is about to stop).
 */
export function rrStatus(
  state: WorkerState,
  reason: RetireReason | null,
): { code: number; name: string } {
  const byReason = reason && state !== 'working' ? RR_REASON_STATUS[reason] : undefined
  return byReason ?? RR_STATUS[state]
}
