// The uniform plugin lifecycle: the container serves plugins in dependency order, stops them in reverse.

export interface Plugin {
  readonly name: string
  /** Names of plugins that must be serving before this one. */
  readonly dependsOn?: readonly string[]
  serve(): Promise<void>
  /** Graceful: stop accepting, finish in-flight work, release processes. */
  stop(): Promise<void>
  /** `courser reset`: replace workers without failing requests. */
  reset?(): Promise<void>
}
