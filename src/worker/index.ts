export * from './worker.ts'
export * from './worker-state.ts'
export { schedBatchAvailable, type SchedPolicy } from './sched.ts'
