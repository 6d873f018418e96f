export * from './plugin.ts'
export * from './container.ts'
