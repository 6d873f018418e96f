// Courser runs from dist/: rebuild it (npm run build) when a file under src/ is newer.

import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runCommand } from './process.ts'

function newest(dir: string): number {
  let max = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) max = Math.max(max, statSync(join(e.parentPath, e.name)).mtimeMs)
  }
  return max
}

export async function ensureBuilt(rootDir: string): Promise<void> {
  const main = join(rootDir, 'dist/cli/main.js')
  let built = 0
  try {
    built = statSync(main).mtimeMs
  } catch {
    // not built yet
  }
  if (built >= newest(join(rootDir, 'src'))) return
  console.error('bench: src/ is newer than dist/: npm run build')
  const res = await runCommand('npm', ['run', 'build'], { cwd: rootDir })
  if (res.code !== 0) throw new Error(`npm run build failed:\n${res.stdout}${res.stderr}`)
}
