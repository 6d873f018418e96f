// Application metrics: collectors declared at runtime over RPC (`metrics.Declare`) or in
// `metrics.collect`, then changed with Add/Sub/Set/Observe (spec §5.5; RR metrics `rpc.go`).

import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client'
import { field } from '../rpc/codec.ts'

export const COLLECTOR_TYPES = ['counter', 'gauge', 'histogram', 'summary'] as const
export type CollectorType = (typeof COLLECTOR_TYPES)[number]

export interface CollectorSpec {
  type: CollectorType
  namespace?: string
  subsystem?: string
  help?: string
  labels?: string[]
  buckets?: number[]
  /** Summary quantiles → allowed error, as in RR; Courser uses the quantiles. */
  objectives?: Record<string, number>
}

type Operation = 'Add' | 'Sub' | 'Set' | 'Observe'

const SUPPORTS: Record<CollectorType, readonly Operation[]> = {
  counter: ['Add'],
  gauge: ['Add', 'Sub', 'Set'],
  histogram: ['Observe'],
  summary: ['Observe'],
}

interface Declared {
  fullName: string
  type: CollectorType
  labels: string[]
  metric: Counter | Gauge | Histogram | Summary
}

export class AppMetrics {
  #registry: Registry
  #collectors = new Map<string, Declared>()

  constructor(registry: Registry) {
    this.#registry = registry
  }

  has(name: string): boolean {
    return this.#collectors.has(name)
  }

  /** Registers a collector; declaring an existing name again is a no-op (workers all declare at boot). */
  declare(name: string, spec: CollectorSpec): void {
    if (this.#collectors.has(name)) return
    const fullName = [spec.namespace, spec.subsystem, name].filter((s) => s).join('_')
    const labels = spec.labels ?? []
    const base = {
      name: fullName,
      help: spec.help || name,
      labelNames: labels,
      registers: [this.#registry],
    }
    let metric: Declared['metric']
    switch (spec.type) {
      case 'counter':
        metric = new Counter(base)
        break
      case 'gauge':
        metric = new Gauge(base)
        break
      case 'histogram':
        metric = new Histogram(spec.buckets?.length ? { ...base, buckets: spec.buckets } : base)
        break
      case 'summary': {
        const percentiles = Object.keys(spec.objectives ?? {})
          .map(Number)
          .filter((q) => q > 0 && q < 1)
        metric = new Summary(percentiles.length ? { ...base, percentiles } : base)
        break
      }
    }
    this.#collectors.set(name, { fullName, type: spec.type, labels, metric })
  }

  apply(op: Operation, name: string, value: number, labels: readonly string[]): void {
    const c = this.#collectors.get(name)
    if (!c) throw new Error(`undefined collector: ${name}, declare it first`)
    if (!SUPPORTS[c.type].includes(op)) {
      throw new Error(
        `collector does not support the requested operation: ${op} on ${c.type} ${name}`,
      )
    }
    let values: Record<string, string> = {}
    if (c.labels.length > 0) {
      if (labels.length === 0) throw new Error(`required labels for collector: ${name}`)
      if (labels.length !== c.labels.length) {
        throw new Error(
          `inconsistent label cardinality: expected ${c.labels.length} label values but got ${labels.length} for ${name}`,
        )
      }
      values = Object.fromEntries(c.labels.map((l, i) => [l, labels[i]!]))
    }
    if (c.metric instanceof Counter) {
      if (value < 0) throw new Error('counter cannot decrease in value')
      c.metric.inc(values, value)
    } else if (c.metric instanceof Gauge) {
      if (op === 'Set') c.metric.set(values, value)
      else c.metric.inc(values, op === 'Sub' ? -value : value)
    } else {
      c.metric.observe(values, value)
    }
  }

  unregister(name: string): boolean {
    const c = this.#collectors.get(name)
    if (!c) throw new Error(`undefined collector: ${name}`)
    this.#collectors.delete(name)
    this.#registry.removeSingleMetric(c.fullName)
    return true
  }
}

/** Reads a collector spec from JSON/YAML (`metrics.collect.<name>` or the RPC `collector`). */
export function parseCollectorSpec(raw: unknown, where: string): CollectorSpec {
  const get = (key: string): unknown => field(raw, key)
  const rawType = get('type')
  const type = typeof rawType === 'string' ? rawType.toLowerCase() : ''
  const hit = COLLECTOR_TYPES.find((t) => t === type)
  if (!hit) throw new Error(`${where}: unknown collector type ${JSON.stringify(rawType)}`)
  const spec: CollectorSpec = { type: hit }
  for (const key of ['namespace', 'subsystem', 'help'] as const) {
    const v = get(key)
    if (typeof v === 'string' || typeof v === 'number') spec[key] = String(v)
  }
  const labels = get('labels')
  if (Array.isArray(labels)) spec.labels = labels.map(String)
  const buckets = get('buckets')
  if (Array.isArray(buckets)) spec.buckets = buckets.map(Number)
  // A map {0.5: 0.05}, or RR's sample-config form: a list of one-entry maps.
  const objectives = get('objectives')
  const maps = Array.isArray(objectives) ? objectives : [objectives]
  const entries = maps.flatMap((m) =>
    typeof m === 'object' && m !== null ? Object.entries(m as Record<string, unknown>) : [],
  )
  if (entries.length) spec.objectives = Object.fromEntries(entries.map(([k, v]) => [k, Number(v)]))
  return spec
}
