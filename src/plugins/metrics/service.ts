// RPC service `metrics` (spec §5.5): Declare, Add, Sub, Set, Observe, Unregister — JSON bodies as
// sent by spiral/roadrunner-metrics.

import { field, goType, stringArg } from '../rpc/codec.ts'
import type { RpcMethod } from '../rpc/registry.ts'
import { parseCollectorSpec, type AppMetrics } from './app-metrics.ts'

interface Metric {
  name: string
  value: number
  labels: string[]
}

export function metricsService(app: AppMetrics): Record<string, RpcMethod> {
  const change =
    (op: 'Add' | 'Sub' | 'Set' | 'Observe'): RpcMethod =>
    (arg) => {
      const m = parseMetric(arg)
      app.apply(op, m.name, m.value, m.labels)
      return true
    }
  return {
    Declare: (arg) => {
      const name = structString(arg, 'name')
      app.declare(name, parseCollectorSpec(field(arg, 'collector'), `collector ${name}`))
      return true
    },
    Add: change('Add'),
    Sub: change('Sub'),
    Set: change('Set'),
    Observe: change('Observe'),
    Unregister: (arg) => app.unregister(stringArg(arg)),
  }
}

function parseMetric(arg: unknown): Metric {
  const value = field(arg, 'value') ?? 0
  if (typeof value !== 'number') throw unmarshal(value, 'value', 'float64')
  const labels = field(arg, 'labels') ?? []
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    throw unmarshal(labels, 'labels', '[]string')
  }
  return { name: structString(arg, 'name'), value, labels: labels as string[] }
}

function structString(arg: unknown, key: string): string {
  if (arg !== undefined && (typeof arg !== 'object' || arg === null || Array.isArray(arg))) {
    throw new Error(`json: cannot unmarshal ${goType(arg)} into Go value of type struct`)
  }
  const v = field(arg, key) ?? ''
  if (typeof v !== 'string') throw unmarshal(v, key, 'string')
  return v
}

function unmarshal(value: unknown, key: string, type: string): Error {
  return new Error(
    `json: cannot unmarshal ${goType(value)} into Go struct field .${key} of type ${type}`,
  )
}
