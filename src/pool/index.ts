export * from './pool.ts'
export * from './queue.ts'
