// Courser on the Lumen example's own .rr.yaml, with overrides only for the address, the number of
// workers, the worker command (opcache on, timestamps unchecked, as php-fpm runs; the tracing JIT on
// as in the example, or off) and the log level (by default `warn`: no per-request `http log` line,
// as nginx runs with access_log off).

import { join } from 'node:path'
import { waitForHttp } from '../http.ts'
import { CLI_INI, iniArgs, withJit } from '../php-ini.ts'
import { ServerProcess } from '../process.ts'
import { startError } from './logs.ts'
import type { ServerSpec } from './types.ts'

/**
 * The worker command. `-o server.command=…` may hold spaces: Courser splits a command string on
 * whitespace (RoadRunner's rule), so this is argv ['php', '-d', …, 'worker.php'].
 */
export function workerCommand(jit: boolean): string {
  return ['php', ...iniArgs(withJit(CLI_INI, jit)), 'worker.php'].join(' ')
}

/**
 * `logLevel`: `logs.level`; `info` (the example's) logs every request, as RoadRunner does. `jit`:
 * the example's tracing JIT (id `courser`), or none (`courser-nojit`).
 */
export function courserServer(workers: number, logLevel: string, jit: boolean): ServerSpec {
  const command = workerCommand(jit)
  return {
    id: jit ? 'courser' : 'courser-nojit',
    label: `Courser (${workers}${jit ? '' : ', no JIT'})`,
    settings: {
      config: 'examples/lumen/.rr.yaml',
      'http.pool.num_workers': workers,
      'server.command': command,
      'logs.level': logLevel,
    },
    async start(ctx) {
      const logFile = join(ctx.logDir, `${jit ? 'courser' : 'courser-nojit'}.out`)
      const args = [
        join(ctx.rootDir, 'bin/courser'),
        '-c',
        join(ctx.appDir, '.rr.yaml'),
        '-o',
        `http.address=127.0.0.1:${ctx.port}`,
        '-o',
        `http.pool.num_workers=${workers}`,
        '-o',
        `server.command=${command}`,
        '-o',
        `logs.level=${logLevel}`,
        'serve',
      ]
      const node = new ServerProcess('courser', process.execPath, args, {
        cwd: ctx.rootDir,
        logFile,
      })
      const url = `http://127.0.0.1:${ctx.port}`
      try {
        await waitForHttp(`${url}/`, node.exited)
      } catch (err) {
        await node.stop()
        throw startError('Courser', err, [logFile])
      }
      return {
        url,
        processes: () =>
          node.tree().map((proc) => ({ role: proc.pid === node.pid ? 'node' : 'php', proc })),
        stop: () => node.stop(),
      }
    },
  }
}
