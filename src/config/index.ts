export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.ts'
export * from './schema.ts'
export { expandVars, parseDotenv, type Env } from './env.ts'
export {
  parseCommand,
  parseDuration,
  parseListenAddress,
  splitHostPort,
  type ListenAddress,
} from './values.ts'
