// Control messages carried in CONTROL frames: the pid handshake and graceful stop (spec §3.1, §3.3).

import { CourserError } from '../errors.ts'
import { Flag } from './flags.ts'
import { encodeControlFrame, type Frame } from './frame.ts'

/** The frame the server sends first to every worker: `{"pid":<server pid>}`, flags CONTROL|CODEC_JSON. */
export function encodePidRequest(serverPid: number): Buffer {
  return encodeControlFrame({ pid: serverPid }, Flag.CONTROL | Flag.CODEC_JSON)
}

/** The graceful stop frame: `{"stop":true}`, flags CONTROL|CODEC_JSON. */
export function encodeStopRequest(): Buffer {
  return encodeControlFrame({ stop: true }, Flag.CONTROL | Flag.CODEC_JSON)
}

/** Reads the worker's pid from its handshake reply; throws ERR_WORKER_HANDSHAKE when it is not one. */
export function parsePidReply(frame: Frame): number {
  if ((frame.flags & Flag.CONTROL) === 0) {
    throw new CourserError(
      'ERR_WORKER_HANDSHAKE',
      `expected a CONTROL frame, got flags 0x${frame.flags.toString(16)}: ${quote(frame.payload)}`,
    )
  }
  let pid: unknown
  try {
    pid = (JSON.parse(frame.payload.toString('utf8')) as { pid?: unknown }).pid
  } catch {
    throw new CourserError('ERR_WORKER_HANDSHAKE', `reply is not JSON: ${quote(frame.payload)}`)
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) {
    throw new CourserError(
      'ERR_WORKER_HANDSHAKE',
      `reply has no valid pid: ${quote(frame.payload)}`,
    )
  }
  return pid
}

/** Renders bytes a worker printed for a log line: printable, bounded. */
export function quote(bytes: Uint8Array, max = 400): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString(
    'utf8',
  )
  // eslint-disable-next-line no-control-regex
  const shown = JSON.stringify(text.replace(/[\x00-\x08\x0e-\x1f]/g, '.'))
  return bytes.length > max ? `${shown}… (${bytes.length} bytes)` : shown
}
