// One catalog of typed errors with stable codes; docs/errors.md lists every code (checked by a test).

export const ErrorCodes = {
  ERR_FRAME_BAD_CRC: 'frame header CRC mismatch',
  ERR_FRAME_BAD_HEADER_LENGTH: 'frame header length out of range',
  ERR_FRAME_BAD_VERSION: 'frame version is not 1',
  ERR_FRAME_TOO_MANY_OPTIONS: 'frame has more than 10 option words',
  ERR_FRAME_TRUNCATED: 'worker stopped writing in the middle of a frame',
  ERR_PAYLOAD_BAD_OPTIONS: 'response frame must carry exactly one option (the context length)',
  ERR_PAYLOAD_EMPTY: 'a payload with empty context and body cannot be sent to a worker',
  ERR_WORKER_STDOUT: 'worker wrote non-protocol bytes to stdout',
  ERR_WORKER_FILE_NOT_FOUND: 'PHP could not open the worker script',
  ERR_WORKER_BOOT_FAILED: 'worker failed to boot',
  ERR_WORKER_HANDSHAKE: 'worker pid handshake failed',
  ERR_WORKER_EXITED: 'worker process exited',
  ERR_WORKER_SOFT_ERROR: 'worker answered with an error frame',
  ERR_WORKER_NOT_READY: 'worker is not ready',
  ERR_WORKER_EXEC_TTL: 'worker exceeded exec_ttl',
  ERR_WORKER_STREAM_TIMEOUT: 'worker did not end a cancelled stream within stream_timeout',
  ERR_RELAY_CLOSED: 'relay closed',
  ERR_RELAY_ADDRESS: 'relay address is invalid',
  ERR_POOL_NO_WORKERS: 'no free worker within allocate_timeout',
  ERR_POOL_QUEUE_FULL: 'max_queue_size reached',
  ERR_POOL_DESTROYED: 'pool is destroyed',
  ERR_POOL_BOOT_FAILING: 'no worker can boot',
  ERR_POOL_CANCELLED: 'the client left before a worker took the request',
  ERR_CONFIG: 'invalid configuration',
  ERR_HTTP_BODY_TOO_LARGE: 'request body exceeds http.max_request_size',
  ERR_HTTP_BAD_FORM: 'request form body cannot be parsed',
  ERR_HTTP_BAD_RESPONSE: 'worker response context is not valid',
  ERR_HTTP_BAD_REQUEST: 'the request could not be read',
  ERR_LISTEN: 'cannot listen on the configured address',
  ERR_RPC_FRAME: 'malformed RPC frame',
  ERR_RPC_CONNECT: 'cannot reach the RPC server',
  ERR_RPC_CALL: 'RPC call failed',
  ERR_RPC_NOT_CONFIGURED: 'rpc is not configured',
  ERR_PID_FILE: 'cannot use the .pid file',
} as const

export type ErrorCode = keyof typeof ErrorCodes

/** Base error for everything Courser throws on purpose; `code` is stable, the message may change. */
export class CourserError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${ErrorCodes[code]}: ${detail}` : ErrorCodes[code], options)
    this.name = 'CourserError'
    this.code = code
  }
}

export function isCourserError(err: unknown, code?: ErrorCode): err is CourserError {
  return err instanceof CourserError && (code === undefined || err.code === code)
}
