// `courser stop [-f]`: SIGTERM (graceful stop) to the server whose pid `serve -p` wrote to `.pid`,
// as `rr stop` does; `-f` sends SIGKILL.

import { CourserError } from '../../errors.ts'
import { readPidFile } from '../pid-file.ts'

export function stopCommand(force: boolean, silent: boolean): void {
  const pid = readPidFile()
  if (!silent) process.stdout.write(`stopping process with PID: ${pid}\n`)
  try {
    process.kill(pid, force ? 'SIGKILL' : 'SIGTERM')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CourserError(
      'ERR_PID_FILE',
      `process ${pid} from .pid: ${code === 'ESRCH' ? 'no such process (stale .pid file?)' : String(code)}`,
    )
  }
}
