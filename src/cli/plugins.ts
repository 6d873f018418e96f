// The RoadRunner "control surface" plugins, built from their config sections (a missing section
// means the plugin is off): rpc (with the informer, resetter and metrics services), metrics, status.

import type { CourserConfig } from '../config/index.ts'
import type { Container, Plugin } from '../container/index.ts'
import { channel, type Logger } from '../logger.ts'
import type { HttpPlugin } from '../plugins/http/plugin.ts'
import { informerService } from '../plugins/informer/service.ts'
import type { WorkerSource } from '../plugins/informer/workers.ts'
import { MetricsPlugin } from '../plugins/metrics/plugin.ts'
import { metricsService } from '../plugins/metrics/service.ts'
import { resetterService } from '../plugins/resetter/service.ts'
import { RpcPlugin } from '../plugins/rpc/plugin.ts'
import { StatusPlugin } from '../plugins/status/plugin.ts'

/** The rpc plugin, registered first so it serves before any worker starts (workers may call it). */
export function createRpcPlugin(config: CourserConfig, log: Logger): RpcPlugin | null {
  if (!config.rpc) return null
  // rpc.Config serves the effective configuration; values read from .env files stay private.
  const effective: Record<string, unknown> = { ...config }
  delete effective['dotenv']
  return new RpcPlugin({ listen: config.rpc.listen, config: effective }, channel(log, 'rpc'))
}

/** Registers metrics and status (after http, so they stop first) and the RPC services. */
export function registerControlPlugins(
  container: Container,
  config: CourserConfig,
  log: Logger,
  parts: { rpc: RpcPlugin | null; http: HttpPlugin | null; plugins: () => readonly Plugin[] },
): void {
  const sources: WorkerSource[] = parts.http ? [parts.http] : []
  const { rpc } = parts
  if (rpc) {
    rpc.register(
      'informer',
      informerService(() => sources),
    )
    rpc.register('resetter', resetterService(parts.plugins))
  }
  if (config.metrics) {
    const metrics = new MetricsPlugin(
      { address: config.metrics.address, collect: config.metrics.collect },
      sources,
      channel(log, 'metrics'),
    )
    parts.http?.addObserver(metrics.httpObserver())
    rpc?.register('metrics', metricsService(metrics.app))
    container.register(metrics)
  }
  if (config.status) {
    container.register(
      new StatusPlugin(
        {
          address: config.status.address,
          unavailableStatusCode: config.status.unavailable_status_code,
        },
        sources,
        channel(log, 'status'),
      ),
    )
  }
}
