// Loads a RoadRunner `.rr.yaml` (v3): YAML → dotenv/envfile → `${VAR}` expansion → include →
// `-o` overrides → version check → schema. Every problem is one line naming the file and the key.

import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { CourserError } from '../errors.ts'
import { DotenvError, ExpansionError, expandVars, parseDotenv, type Env } from './env.ts'
import { isMap } from './fields.ts'
import { configSchema, type CourserConfig } from './schema.ts'
import { describe } from './values.ts'

export interface LoadConfigOptions {
  /** Config file (`-c`); a relative path is resolved against `workdir` if given, else the cwd. */
  file: string
  /** `-w`: working directory; defaults to the config file's directory. */
  workdir?: string
  /** `-o key=value` overrides, applied after the file (and its includes) are read. */
  overrides?: readonly string[]
  /** Environment used for `${VAR}` expansion; defaults to process.env. Not modified. */
  env?: Env
  /** `--dotenv` file (relative to workdir); fills in variables missing from `env`. */
  dotenv?: string
}

/** ERR_CONFIG with the individual one-line problems (the message joins them with `; `). */
export class ConfigError extends CourserError {
  readonly problems: readonly string[]
  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super('ERR_CONFIG', problems.join('; '), options)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

type Tree = Record<string, unknown>

export function loadConfig(opts: LoadConfigOptions): CourserConfig {
  const baseEnv = opts.env ?? process.env
  const explicitWorkdir = opts.workdir === undefined ? undefined : resolve(opts.workdir)
  const file = resolve(explicitWorkdir ?? process.cwd(), opts.file)
  const label = opts.file
  const workdir = explicitWorkdir ?? dirname(file)

  const tree = readYaml(file, label)

  // --dotenv, then envfile: each only fills in variables not already set (godotenv.Load semantics).
  const added: Record<string, string> = {}
  const envNow = (): Env => ({ ...added, ...definedOnly(baseEnv) })
  if (opts.dotenv !== undefined && opts.dotenv !== '') {
    loadDotenvInto(added, resolve(workdir, opts.dotenv), opts.dotenv, envNow())
  }
  if (tree.envfile !== undefined && tree.envfile !== null) {
    if (typeof tree.envfile !== 'string') {
      throw new ConfigError([
        `${label}: envfile: expected a path to a .env file, got ${describe(tree.envfile)}`,
      ])
    }
    const name = expandOrThrow(tree.envfile, envNow(), label, 'envfile')
    loadDotenvInto(added, resolve(dirname(file), name), name, envNow())
  }
  const env = envNow()

  const problems: string[] = []
  let config = expandTree(tree, [], env, label, problems) as Tree
  if (problems.length > 0) throw new ConfigError(problems)

  // Overrides go first so that `-o include=...` counts (as in RR), and again after the includes so
  // that `-o` wins over included files (in RR the included files win; we think that is a bug).
  const flags = opts.overrides ?? []
  applyOverrides(config, flags, env, label)
  config = applyIncludes(config, workdir, env, label)
  const overridden = applyOverrides(config, flags, env, label)
  checkVersion(config.version, label)

  const result = configSchema.safeParse(config)
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, label, overridden))
  return { ...result.data, file, workdir, dotenv: added }
}

// ---------------------------------------------------------------------------------------------

function readText(path: string, label: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code
    throw new ConfigError([`${label}: cannot read the ${what} (${why ?? String(err)})`], {
      cause: err,
    })
  }
}

function readYaml(path: string, label: string): Tree {
  const text = readText(path, label, 'config file')
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
  })
  const first = doc.errors[0]
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0])
    const message = first.message.split('\n')[0] ?? first.code
    throw new ConfigError([
      `${label}: YAML syntax error at line ${line}, column ${col}: ${message}`,
    ])
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 1000 })
  } catch (err) {
    throw new ConfigError([`${label}: YAML error: ${(err as Error).message}`], { cause: err })
  }
  if (data === null || data === undefined) return {}
  if (!isMap(data)) {
    throw new ConfigError([
      `${label}: expected a map of sections at the top level, got ${describe(data)}`,
    ])
  }
  return data
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v
  return out
}

function loadDotenvInto(
  added: Record<string, string>,
  path: string,
  label: string,
  env: Env,
): void {
  const text = readText(path, label, 'dotenv file')
  let vars: Record<string, string>
  try {
    vars = parseDotenv(text, env)
  } catch (err) {
    if (err instanceof DotenvError) throw new ConfigError([`${label}:${err.line}: ${err.message}`])
    throw err
  }
  for (const [k, v] of Object.entries(vars)) if (env[k] === undefined) added[k] = v
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out === '' ? String(seg) : `.${String(seg)}`
  }
  return out === '' ? '(top level)' : out
}

function expandOrThrow(s: string, env: Env, label: string, key: string, suffix = ''): string {
  try {
    return expandVars(s, env)
  } catch (err) {
    if (err instanceof ExpansionError)
      throw new ConfigError([`${label}: ${key}: ${err.message}${suffix}`])
    throw err
  }
}

/** Expands every string value (not keys), in maps and lists at any depth. */
function expandTree(
  value: unknown,
  path: PropertyKey[],
  env: Env,
  label: string,
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    try {
      return expandVars(value, env)
    } catch (err) {
      if (!(err instanceof ExpansionError)) throw err
      problems.push(`${label}: ${keyPath(path)}: ${err.message}`)
      return value
    }
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => expandTree(item, [...path, i], env, label, problems))
  }
  if (isMap(value)) {
    const out: Tree = {}
    for (const [k, v] of Object.entries(value)) {
      setOwn(out, k, expandTree(v, [...path, k], env, label, problems))
    }
    return out
  }
  return value
}

function isVersion3(v: unknown): boolean {
  return v === '3' || v === 3
}

function checkVersion(version: unknown, label: string): void {
  if (version === undefined || version === null) {
    throw new ConfigError([
      `${label}: version: required, but missing (add version: "3" at the top of the file)`,
    ])
  }
  if (!isVersion3(version)) {
    throw new ConfigError([
      `${label}: version: expected "3" (RoadRunner's v3 config format, RR 2023.1 and later), got ${describe(version)}`,
    ])
  }
}

/** `include: [a.yaml, b.yaml]`: later files win, key by key; paths are relative to workdir. */
function applyIncludes(config: Tree, workdir: string, env: Env, label: string): Tree {
  const raw = config.include
  if (raw === undefined || raw === null) return config
  let files: string[]
  if (typeof raw === 'string') files = raw.split(/\s+/).filter((s) => s !== '')
  else if (Array.isArray(raw) && raw.every((f) => typeof f === 'string')) files = raw
  else {
    throw new ConfigError([
      `${label}: include: expected a list of file paths, got ${describe(raw)}`,
    ])
  }
  for (const name of files) {
    const sub = readYaml(resolve(workdir, name), name)
    if (!isVersion3(sub.version)) {
      throw new ConfigError([
        `${name}: version: an included file must have the same version as ${label} ("3"), got ${describe(sub.version)}`,
      ])
    }
    const problems: string[] = []
    const expanded = expandTree(sub, [], env, name, problems) as Tree
    if (problems.length > 0) throw new ConfigError(problems)
    delete expanded.version
    delete expanded.include
    delete expanded.envfile
    mergeInto(config, expanded)
  }
  return config
}

function mergeInto(target: Tree, src: Tree): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = getOwn(target, k)
    if (isMap(cur) && isMap(v)) mergeInto(cur, v)
    else setOwn(target, k, v)
  }
}

/**
 * Applies `-o dotted.key=value` (RR config `parseFlag`): surrounding quotes are stripped, the value
 * is env-expanded, canonical integers and true/false are coerced, missing maps are created.
 * Returns the dotted keys that were set, to tag later errors with "(set with -o)".
 */
function applyOverrides(config: Tree, flags: readonly string[], env: Env, label: string): string[] {
  const set: string[] = []
  for (const flag of flags) {
    const bad = (why: string): ConfigError => new ConfigError([`${label}: -o ${flag}: ${why}`])
    // RR trims leading quotes from the whole flag; we also drop the matching trailing one.
    let body = flag.replace(/^[ "'`]+/, '')
    const outer = flag.trimStart()[0]
    if (
      body !== flag &&
      (outer === '"' || outer === "'" || outer === '`') &&
      body.endsWith(outer)
    ) {
      body = body.slice(0, -1)
    }
    const eq = body.indexOf('=')
    if (eq < 0) throw bad('expected key=value')
    const key = body.slice(0, eq).trim()
    let value = body.slice(eq + 1).trim()
    if (key === '') throw bad('the key must not be empty')
    if (value === '') throw bad('the value must not be empty')
    const q = value[0]!
    if (q === '"' || q === "'" || q === '`') {
      value = trimChar(value, q).replaceAll(`\\${q}`, q)
    }
    const segments = key.split('.')
    if (segments.some((s) => s === '')) throw bad(`invalid key ${JSON.stringify(key)}`)
    const expanded = expandOrThrow(value, env, label, key, ' (set with -o)')

    let node = config
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!
      const next = getOwn(node, seg)
      if (next === undefined || next === null) {
        const created: Tree = {}
        setOwn(node, seg, created)
        node = created
      } else if (isMap(next)) node = next
      else {
        const at = segments.slice(0, i + 1).join('.')
        throw bad(`${at} is ${describe(next)}, not a map`)
      }
    }
    setOwn(node, segments[segments.length - 1]!, coerce(expanded))
    set.push(key)
  }
  return set
}

/** Own-property access, so that keys like `__proto__` are plain keys, never the prototype. */
function getOwn(obj: Tree, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

function setOwn(obj: Tree, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
}

function trimChar(s: string, c: string): string {
  let a = 0
  let b = s.length
  while (a < b && s[a] === c) a++
  while (b > a && s[b - 1] === c) b--
  return s.slice(a, b)
}

function coerce(s: string): string | number | boolean {
  if (s === 'true') return true
  if (s === 'false') return false
  if (/^-?(0|[1-9]\d*)$/.test(s)) {
    const n = Number(s)
    if (Number.isSafeInteger(n)) return n
  }
  return s
}

function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  label: string,
  overridden: string[],
): string[] {
  const out: string[] = []
  const line = (path: readonly PropertyKey[], message: string): void => {
    const key = keyPath(path)
    const viaO = overridden.some(
      (o) =>
        key === o || key.startsWith(`${o}.`) || key.startsWith(`${o}[`) || o.startsWith(`${key}.`),
    )
    out.push(`${label}: ${key}: ${message}${viaO ? ' (set with -o)' : ''}`)
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) line([...issue.path, k], issue.message)
    } else {
      line(issue.path, issue.message)
    }
  }
  return out
}
