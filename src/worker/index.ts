export * from './worker.ts'
export * from './worker-state.ts'
