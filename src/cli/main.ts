// argv → command. Global options come before the command, as with RoadRunner's `rr -c f -o k=v serve`.

import { Command } from 'commander'
import { isCourserError } from '../errors.ts'
import { COURSER_VERSION, RR_COMPAT_VERSION } from '../version.ts'
import { resetCommand } from './commands/reset.ts'
import { serveCommand } from './commands/serve.ts'
import { stopCommand } from './commands/stop.ts'
import { workersCommand } from './commands/workers.ts'

export interface GlobalOptions {
  config: string
  workDir?: string
  override: string[]
  dotenv?: string
  /** -s: no progress output (reset, stop). */
  silent: boolean
  /** -p: write a .pid file (serve). */
  pid: boolean
}

const program = new Command('courser')
program
  .description(
    'PHP application server: long-lived PHP workers behind a Node.js HTTP server (RoadRunner-compatible)',
  )
  // `rr version X.Y.Z ...` is what Laravel Octane parses (third word) to check the binary.
  .version(
    `rr version ${RR_COMPAT_VERSION} (courser ${COURSER_VERSION}, node ${process.version}, ${process.platform}/${process.arch})`,
    '-v, --version',
  )
  .option('-c, --config <file>', 'config file', '.rr.yaml')
  .option('-w, --WorkDir <dir>', 'working directory (default: the config file directory)')
  .option('-o, --override <key=value>', 'override a config value (repeatable)', collect, [])
  .option('--dotenv <file>', 'load environment variables from a file')
  .option('-s, --silent', 'print nothing but errors (reset, stop)', false)
  .option('-p, --pid', 'serve: write the process id to .pid (for `courser stop`)', false)

program
  .command('serve')
  .description('start the server and serve until SIGINT/SIGTERM')
  .action(async () => {
    await serveCommand(globals())
  })

program
  .command('reset')
  .description('replace the workers of every plugin, or of the plugins named (RPC resetter.Reset)')
  .argument('[plugin...]', 'plugins to reset, e.g. http (default: all)')
  .action(async (plugins: string[]) => {
    process.exitCode = await resetCommand(globals(), plugins, globals().silent)
  })

program
  .command('workers')
  .description('show the workers of every plugin, or of the plugins named (RPC informer.Workers)')
  .argument('[plugin...]', 'plugins to show, e.g. http (default: all)')
  .option('-i, --interactive', 'redraw the table every second until Ctrl-C', false)
  .action(async (plugins: string[], o: { interactive: boolean }) => {
    await workersCommand(globals(), plugins, o.interactive)
  })

program
  .command('stop')
  .description('stop the server started with `serve -p` (SIGTERM to the pid in .pid)')
  .option('-f, --force', 'SIGKILL instead of a graceful stop', false)
  .action((o: { force: boolean }) => {
    stopCommand(o.force, globals().silent)
  })

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function globals(): GlobalOptions {
  const o = program.opts<{
    config: string
    WorkDir?: string
    override: string[]
    dotenv?: string
    silent: boolean
    pid: boolean
  }>()
  return {
    config: o.config,
    workDir: o.WorkDir,
    override: o.override,
    dotenv: o.dotenv,
    silent: o.silent,
    pid: o.pid,
  }
}

try {
  await program.parseAsync(process.argv)
} catch (err) {
  // Config and startup errors are one line naming the cause; no stack trace for expected failures.
  process.stderr.write(
    `courser: ${isCourserError(err) ? err.message : String((err as Error).stack ?? err)}\n`,
  )
  process.exit(1)
}
