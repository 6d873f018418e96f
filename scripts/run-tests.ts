// Runs every *.test.ts under test/ (or under the tiers named on the command line) in one node:test run,
// so the summary ("# pass", "# fail") covers everything, PHPUnit included (test/php/phpunit.test.ts).

import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const tiers = process.argv.slice(2)
const dirs = (tiers.length ? tiers : ['unit', 'php', 'integration', 'e2e', 'faults']).map((t) =>
  join(root, 'test', t),
)

function collect(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  return entries.flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return collect(path)
    return name.endsWith('.test.ts') ? [path] : []
  })
}

const files = dirs.flatMap(collect).map((f) => relative(root, f))
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
