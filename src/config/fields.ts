// Zod building blocks for RoadRunner-style config: weakly typed scalar fields with one-line error
// messages, and strict sections that reject unknown keys and name the keys they know.

import { z } from 'zod'
import { InvalidValue, describe, toStr } from './values.ts'

type Parse<T> = (value: unknown) => T

/**
 * A scalar field. `null` (an empty YAML value) counts as absent, as a Go zero value would.
 * Without a fallback the output may be undefined.
 */
export function field<T>(parse: Parse<T>): z.ZodType<T | undefined, unknown>
export function field<T>(parse: Parse<T>, fallback: T | (() => T)): z.ZodType<T, unknown>
export function field<T>(
  parse: Parse<T>,
  fallback?: T | (() => T),
): z.ZodType<T | undefined, unknown> {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T | undefined => {
      if (value === undefined || value === null) {
        return typeof fallback === 'function' ? (fallback as () => T)() : fallback
      }
      try {
        return parse(value)
      } catch (err) {
        if (!(err instanceof InvalidValue)) throw err
        ctx.addIssue({ code: 'custom', message: err.message, input: value })
        return z.NEVER
      }
    })
}

/** One of a fixed set of strings (case-insensitive; the output is lower-case). */
export function oneOf<const V extends readonly string[]>(values: V): Parse<V[number]> {
  return (value) => {
    const s = typeof value === 'string' ? value.trim().toLowerCase() : undefined
    const hit = values.find((v) => v === s)
    if (hit === undefined) {
      throw new InvalidValue(`expected one of ${values.join(', ')}; got ${describe(value)}`)
    }
    return hit
  }
}

/** A map of strings (numbers and booleans are stringified; null becomes ""). */
export function stringMap(value: unknown): Record<string, string> {
  if (!isMap(value)) throw new InvalidValue(`expected a map of strings, got ${describe(value)}`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    try {
      out[k] = v === null ? '' : toStr(v)
    } catch {
      throw new InvalidValue(`expected a map of strings, got ${describe(v)} for ${k}`)
    }
  }
  return out
}

/** A section we accept without interpreting it (yet): any map. */
export function looseMap(value: unknown): Record<string, unknown> {
  if (!isMap(value)) throw new InvalidValue(`expected a map, got ${describe(value)}`)
  return value
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** How unknown keys are reported: by their section's known keys. */
function strict<S extends z.ZodRawShape>(
  shape: S,
  topLevel: boolean,
): z.ZodObject<S, z.core.$strict> {
  const known = Object.keys(shape).join(', ')
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        return topLevel
          ? `unknown top-level section; known sections: ${known}`
          : `unknown key; expected one of: ${known}`
      }
      if (iss.code === 'invalid_type') return `expected a map, got ${describe(iss.input)}`
      return undefined
    },
  })
}

/** A section that is always present in the output (absent or null → all defaults). */
export function section<S extends z.ZodRawShape>(
  shape: S,
): z.ZodType<z.output<z.ZodObject<S, z.core.$strict>>, unknown> {
  return z
    .unknown()
    .optional()
    .transform((v) => v ?? {})
    .pipe(strict(shape, false))
}

/** A section that stays undefined when absent; `key:` with an empty (null) value means present. */
export function optionalSection<S extends z.ZodRawShape>(
  shape: S,
): z.ZodType<z.output<z.ZodObject<S, z.core.$strict>> | undefined, unknown> {
  return z
    .unknown()
    .optional()
    .transform((v) => (v === null ? {} : v))
    .pipe(strict(shape, false).optional())
}

/** The root object: unknown keys are reported as unknown top-level sections. */
export function root<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  return strict(shape, true)
}
