// argv → command. Global options come before the command, as with RoadRunner's `rr -c f -o k=v serve`.

import { Command } from 'commander'
import { isCourserError } from '../errors.ts'
import { COURSER_VERSION, RR_COMPAT_VERSION } from '../version.ts'
import { serveCommand } from './commands/serve.ts'

export interface GlobalOptions {
  config: string
  workDir?: string
  override: string[]
  dotenv?: string
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

program
  .command('serve')
  .description('start the server and serve until SIGINT/SIGTERM')
  .action(async () => {
    await serveCommand(globals())
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
  }>()
  return { config: o.config, workDir: o.WorkDir, override: o.override, dotenv: o.dotenv }
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
