// What the results were measured on: hardware, software versions, and the git commit.

import { spawnSync } from 'node:child_process'
import { availableParallelism, cpus, release, totalmem } from 'node:os'
import { findExecutable } from './deps.ts'

/** First line a command prints, on stdout or stderr (nginx -v and wrk -v use stderr). */
function firstLine(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  return out === '' ? 'unknown' : out.split('\n')[0]!.trim()
}

export function machineInfo(rootDir: string): Record<string, unknown> {
  const exe = (name: string): string => {
    try {
      return findExecutable(name)
    } catch {
      return name
    }
  }
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'php', 'examples'], {
    cwd: rootDir,
    encoding: 'utf8',
  }).stdout
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    php: firstLine('php', ['-r', 'echo PHP_VERSION;']),
    phpFpm: firstLine(exe('php-fpm8.2'), ['-v']),
    nginx: firstLine(exe('nginx'), ['-v']).replace(/^nginx version: /, ''),
    wrk: firstLine('wrk', ['-v']).split(' ').slice(0, 2).join(' '),
    commit: firstLine('git', ['rev-parse', 'HEAD'], rootDir),
    uncommittedChanges: (dirty ?? '').trim() !== '',
  }
}
