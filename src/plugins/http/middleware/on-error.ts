// What happens when a middleware fails (next(err), a throw or a rejection): the same answer as a
// worker failure, internal_error_code with the error text in pool debug mode.

import type { Logger } from 'pino'
import { errorAnswer, writeError } from '../error-response.ts'
import type { ErrorHandler } from './types.ts'

export function middlewareErrorHandler(
  log: Logger,
  internalErrorCode: number,
  debug: boolean,
): ErrorHandler {
  return (err, req, res) => {
    const answer = errorAnswer(err, internalErrorCode, debug)
    log.error(
      { method: req.method, URI: req.url, status: answer.status },
      `middleware failed: ${err instanceof Error ? err.message : String(err)}`,
    )
    writeError(res, answer)
  }
}
