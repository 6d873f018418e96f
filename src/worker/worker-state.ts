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
