// Environment handling: `${VAR}` / `${VAR:-default}` / `$VAR` expansion of config strings, and a
// small .env parser for `--dotenv` and the top-level `envfile:` key.

export type Env = Readonly<Record<string, string | undefined>>

/** Why a string could not be expanded; the loader adds the file and the dotted key. */
export class ExpansionError extends Error {
  readonly variable: string | undefined
  constructor(message: string, variable?: string) {
    super(message)
    this.name = 'ExpansionError'
    this.variable = variable
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s

/**
 * Expands `${VAR}`, `${VAR:-default}` and `$VAR` in `s`, RoadRunner-style but strict:
 * - `${VAR:-default}` uses `default` when VAR is unset **or empty** (shell and RR semantics); the
 *   default is literal text up to the first `}` (no nesting, as in RR).
 * - `${VAR}` / `$VAR` with VAR unset throws (RR substitutes an empty string). A set-but-empty VAR
 *   expands to the empty string.
 * - `$$` is a literal `$`. A `$` not followed by `{` or a name (e.g. `$1`, `$)`, trailing `$`) is
 *   kept as is.
 * - Malformed braces (`${}`, `${A-b}`, an unclosed `${`) throw.
 */
export function expandVars(s: string, env: Env): string {
  if (!s.includes('$')) return s
  let out = ''
  let i = 0
  while (i < s.length) {
    const dollar = s.indexOf('$', i)
    if (dollar < 0) {
      out += s.slice(i)
      break
    }
    out += s.slice(i, dollar)
    const next = s[dollar + 1]
    if (next === '$') {
      out += '$'
      i = dollar + 2
    } else if (next === '{') {
      const close = s.indexOf('}', dollar + 2)
      if (close < 0) throw new ExpansionError(`unterminated "\${" in ${JSON.stringify(s)}`)
      const inner = s.slice(dollar + 2, close)
      const m = BRACED.exec(inner)
      if (!m) {
        throw new ExpansionError(
          `invalid substitution "\${${inner}}" (use \${NAME} or \${NAME:-default}; write $$ for a literal $)`,
        )
      }
      const name = m[1]!
      const fallback = m[2]
      const value = env[name]
      if (fallback !== undefined) out += value === undefined || value === '' ? fallback : value
      else if (value === undefined) throw unset(name)
      else out += value
      i = close + 1
    } else {
      const m = NAME.exec(s.slice(dollar + 1))
      if (!m) {
        out += '$'
        i = dollar + 1
      } else {
        const name = m[0]
        const value = env[name]
        if (value === undefined) throw unset(name)
        out += value
        i = dollar + 1 + name.length
      }
    }
  }
  return out
}

function unset(name: string): ExpansionError {
  return new ExpansionError(
    `environment variable ${name} is not set (use \${${name}:-default} to give a default)`,
    name,
  )
}

/** A line-numbered problem in a .env file. */
export class DotenvError extends Error {
  readonly line: number
  constructor(line: number, message: string) {
    super(message)
    this.name = 'DotenvError'
    this.line = line
  }
}

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/**
 * Parses a .env file the way godotenv (used by RoadRunner) does, for the common subset:
 * `KEY=VALUE`, optional `export ` prefix, blank lines and `#` comments, inline ` #` comments after
 * unquoted values, single quotes (literal), double quotes (escapes `\n \r \t \" \\ \$`), quoted
 * values spanning lines. `${VAR}` / `$VAR` in unquoted and double-quoted values are expanded from
 * keys defined earlier in the file, then from `env`; unknown names become empty (godotenv).
 */
export function parseDotenv(text: string, env: Env = {}): Record<string, string> {
  const vars: Record<string, string> = {}
  const lookup = (name: string): string => vars[name] ?? env[name] ?? ''
  const src = text.replace(/\r\n?/g, '\n')
  let pos = 0
  let line = 1
  while (pos < src.length) {
    const eol = src.indexOf('\n', pos)
    const end = eol < 0 ? src.length : eol
    const raw = src.slice(pos, end)
    const startLine = line
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) {
      pos = end + 1
      line++
      continue
    }
    const body = trimmed.replace(/^export\s+/, '')
    const eq = body.indexOf('=')
    if (eq < 0)
      throw new DotenvError(startLine, `expected KEY=VALUE, got ${JSON.stringify(trimmed)}`)
    const key = body.slice(0, eq).trim()
    if (!DOTENV_KEY.test(key)) {
      throw new DotenvError(startLine, `invalid variable name ${JSON.stringify(key)}`)
    }
    // Value starts right after '=' in the original source (it may continue on later lines).
    const valueStart = pos + raw.indexOf('=') + 1
    let rest = src.slice(valueStart).replace(/^[ \t]+/, '')
    const lead = src.length - valueStart - rest.length
    const quote = rest[0]
    if (quote === '"' || quote === "'") {
      let j = 1
      let value = ''
      for (; j < rest.length; j++) {
        const c = rest[j]!
        if (c === quote) break
        if (quote === '"' && c === '\\' && j + 1 < rest.length) {
          const e = rest[++j]!
          value += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '$' ? '\0' : e
          continue
        }
        value += c
      }
      if (j >= rest.length) throw new DotenvError(startLine, `unterminated ${quote} quote`)
      vars[key] = quote === '"' ? expandLoose(value, lookup).replaceAll('\0', '$') : value
      const consumed = valueStart + lead + j + 1
      line += countNewlines(src, pos, consumed)
      const after = src.indexOf('\n', consumed)
      const tail = src.slice(consumed, after < 0 ? src.length : after).trim()
      if (tail !== '' && !tail.startsWith('#')) {
        throw new DotenvError(
          line,
          `unexpected text after the closing quote: ${JSON.stringify(tail)}`,
        )
      }
      pos = after < 0 ? src.length : after + 1
      line++
      continue
    }
    rest = src.slice(valueStart, end)
    const comment = rest.search(/\s#/)
    if (comment >= 0) rest = rest.slice(0, comment)
    vars[key] = expandLoose(rest.trim(), lookup)
    pos = end + 1
    line++
  }
  return vars
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) if (s[i] === '\n') n++
  return n
}

/** godotenv-style expansion: `${VAR}` / `$VAR`, unknown names become empty. */
function expandLoose(s: string, lookup: (name: string) => string): string {
  return s.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced?: string, bare?: string) => lookup(braced ?? bare ?? ''),
  )
}
