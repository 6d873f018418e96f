export * from './pool.ts'
export * from './queue.ts'
export * from './supervisor.ts'
