// Orders plugins by `dependsOn`, serves them, stops them in reverse with a timeout each.

import type { Logger } from 'pino'
import { CourserError } from '../errors.ts'
import type { Plugin } from './plugin.ts'

export class Container {
  #plugins: Plugin[] = []
  #serving: Plugin[] = []
  #log: Logger
  #stopTimeoutMs: number

  constructor(log: Logger, stopTimeoutMs = 30_000) {
    this.#log = log
    this.#stopTimeoutMs = stopTimeoutMs
  }

  register(plugin: Plugin): void {
    this.#plugins.push(plugin)
  }

  get(name: string): Plugin | undefined {
    return this.#plugins.find((p) => p.name === name)
  }

  /** Serves every plugin in dependency order; on failure stops those already serving and rethrows. */
  async serve(): Promise<void> {
    for (const plugin of order(this.#plugins)) {
      try {
        await plugin.serve()
      } catch (err) {
        this.#log.error(
          { plugin: plugin.name, err: (err as Error).message },
          'plugin failed to start',
        )
        await this.stop()
        throw err
      }
      this.#serving.push(plugin)
    }
  }

  async stop(): Promise<void> {
    while (this.#serving.length) {
      const plugin = this.#serving.pop()!
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#stopTimeoutMs)
      })
      try {
        const result = await Promise.race([plugin.stop(), timeout])
        if (result === 'timeout')
          this.#log.error({ plugin: plugin.name }, 'plugin did not stop in time')
      } catch (err) {
        this.#log.error(
          { plugin: plugin.name, err: (err as Error).message },
          'plugin failed to stop',
        )
      } finally {
        clearTimeout(timer)
      }
    }
  }

  async reset(names?: readonly string[]): Promise<string[]> {
    const done: string[] = []
    for (const plugin of this.#serving) {
      if (!plugin.reset || (names?.length && !names.includes(plugin.name))) continue
      await plugin.reset()
      done.push(plugin.name)
    }
    return done
  }
}

/** Topological order by `dependsOn`; a missing dependency or a cycle is a startup error. */
function order(plugins: readonly Plugin[]): Plugin[] {
  const byName = new Map(plugins.map((p) => [p.name, p]))
  const out: Plugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (p: Plugin): void => {
    const s = state.get(p.name)
    if (s === 'done') return
    if (s === 'visiting')
      throw new CourserError('ERR_CONFIG', `plugin dependency cycle at ${p.name}`)
    state.set(p.name, 'visiting')
    for (const dep of p.dependsOn ?? []) {
      const d = byName.get(dep)
      if (!d)
        throw new CourserError(
          'ERR_CONFIG',
          `plugin ${p.name} needs ${dep}, which is not configured`,
        )
      visit(d)
    }
    state.set(p.name, 'done')
    out.push(p)
  }
  for (const p of plugins) visit(p)
  return out
}
