// The PHP ceiling: examples/lumen/bench-dispatch.php dispatches `/` and `/hello/bob` in a loop in
// one PHP process (no HTTP, no IPC), with the same opcache settings as the servers.

import { runCommand } from './process.ts'
import { CLI_INI, iniArgs, withJit } from './php-ini.ts'

export interface DispatchRate {
  rps: number
  usPerDispatch: number
}

export interface Ceiling {
  /** `php -v`-style banner line of bench-dispatch.php */
  banner: string
  /** stock Lumen: FastRoute dispatcher rebuilt by every dispatch() (as php-fpm runs it) */
  stock: Record<string, DispatchRate>
  /** dispatcher built once, as Courser's worker.php does */
  worker: Record<string, DispatchRate>
  output: string
}

export async function runDispatchCeiling(appDir: string, seconds: number): Promise<Ceiling> {
  // As Courser's workers run (the example's tracing JIT on).
  const args = [...iniArgs(withJit(CLI_INI, true)), 'bench-dispatch.php', String(seconds)]
  const res = await runCommand('php', args, {
    cwd: appDir,
    timeoutMs: (seconds * 4 + 60) * 1000,
  })
  const output = `$ php ${args.join(' ')}\n${res.stdout}${res.stderr}`
  if (res.code !== 0) throw new Error(`bench-dispatch.php failed:\n${output}`)
  const ceiling: Ceiling = { banner: '', stock: {}, worker: {}, output }
  let section: Record<string, DispatchRate> | undefined
  for (const line of res.stdout.split('\n')) {
    if (line.startsWith('PHP ')) ceiling.banner = line.trim()
    else if (line.startsWith('stock')) section = ceiling.stock
    else if (line.startsWith('as worker')) section = ceiling.worker
    const m = /GET (\S+)\s+(\d+) req\/s .*?([\d.]+) µs each/.exec(line)
    if (m && section) section[m[1]!] = { rps: Number(m[2]), usPerDispatch: Number(m[3]) }
  }
  if (Object.keys(ceiling.worker).length === 0) {
    throw new Error(`bench-dispatch.php: could not read its output:\n${output}`)
  }
  return ceiling
}
