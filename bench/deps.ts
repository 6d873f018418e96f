// The Debian packages the benchmark needs: installed when missing and running as root
// (apt-get update once, then apt-get install -y), otherwise reported.

import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'

/** The servers and load generator, and the PHP the Lumen example runs on (as start.sh). */
export const PACKAGES = [
  'nginx',
  'php8.2-fpm',
  'wrk',
  'php8.2-cli',
  'php8.2-opcache',
  'php-laravel-lumen-framework',
]

/** `--profile`: Excimer, the sampling profiler loaded into Courser's PHP workers, and perf. */
export const PROFILE_PACKAGES = ['php-excimer', 'linux-perf']

/** Whether Debian's package `pkg` is installed. */
export function installed(pkg: string): boolean {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    return status.includes('install ok installed')
  } catch {
    return false
  }
}

/** Installs missing packages when root; throws with the install command otherwise. */
export function ensurePackages(packages: readonly string[] = PACKAGES): void {
  const missing = packages.filter((p) => !installed(p))
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}\n` +
        `install them with: sudo apt-get install -y ${missing.join(' ')}`,
    )
  }
  console.error(`bench: installing ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env })
}

/** Full path of an executable on PATH or in the sbin directories (nginx, php-fpm live there). */
export function findExecutable(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (dir === '') continue
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  throw new Error(`${name} not found on PATH or in /usr/sbin`)
}
