// Real pipes (FIFOs) for a worker's stdin/stdout. libuv gives child processes socketpairs for
// 'pipe' stdio; a kernel pipe wakes the reader for about half the CPU of a socketpair write, and
// every request is one such wake-up (bench: node CPU per round trip 9.7 µs → 6.8 µs, PHP's 6 → 3).

import { execFile } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs'
import { Socket, type SocketConstructorOpts } from 'node:net'
import type { Readable } from 'node:stream'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const { O_RDONLY, O_WRONLY, O_NONBLOCK } = constants

/**
 * One read buffer for every worker FIFO (a pipe holds 64 KiB): each read is handed to the reader
 * as a view that is consumed (frames copied out) before the next read, so reading allocates nothing.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)
type TransientReader = (chunk: Buffer) => void
const readers = new WeakMap<Socket, TransientReader>()

/**
 * Routes the reads of a FIFO made here to `reader`, which gets views of a reused buffer, valid
 * only during the call; reading starts now. False for any other stream: read that one with 'data'.
 */
export function readTransient(stream: Readable, reader: TransientReader): boolean {
  if (!(stream instanceof Socket) || !readers.has(stream)) return false
  readers.set(stream, reader)
  stream.resume()
  return true
}

function fifoReader(fd: number): Socket {
  const socket: Socket = new Socket({
    fd,
    readable: true,
    writable: false,
    // Paused until readTransient() names the reader: no byte is read before someone takes it.
    pauseOnCreate: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (n: number, buf: Uint8Array) => {
        readers.get(socket)!(Buffer.from(buf.buffer, buf.byteOffset, n))
      },
    },
  } as SocketConstructorOpts)
  readers.set(socket, () => {})
  return socket
}

export interface FifoPipes {
  /** Give these to the child as fds 0 and 1; close them in the parent after spawning. */
  childStdin: number
  childStdout: number
  /** The server's ends: frames to the worker, frames from the worker (read it with readTransient). */
  toWorker: Socket
  fromWorker: Socket
  /** Closes the child's ends in this process (after spawn). */
  releaseChildEnds(): void
}

/**
 * A pipe holds 64 KiB by default: PHP writing a 1 MiB response then blocks 16 times, and each time
 * both processes sleep and wake (measured here: 1.46 ms per MiB through a pipe, 0.39 ms with a
 * 1 MiB pipe). Node has no fcntl, so Perl (essential on Debian) sets F_SETPIPE_SZ on the FIFO while
 * it is open (the size belongs to the open pipe). Failing is harmless: the pipe keeps 64 KiB. The
 * kernel caps it at /proc/sys/fs/pipe-max-size (1 MiB by default) and, past
 * pipe-user-pages-soft (64 MiB per user), at one page for unprivileged users: hence the worker's
 * output pipe only.
 */
const PIPE_SIZE = 1024 * 1024
const F_SETPIPE_SZ = 1031
const SET_PIPE_SIZE = `open(my $p, '+<', $ARGV[0]) or exit 1; fcntl($p, ${F_SETPIPE_SZ}, 0 + $ARGV[1]) or exit 2`
let perlMissing = false

async function growPipe(path: string): Promise<void> {
  if (perlMissing) return
  try {
    await run('perl', ['-e', SET_PIPE_SIZE, path, String(PIPE_SIZE)], { timeout: 5000 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') perlMissing = true
  }
}

/** Creates two FIFOs, opens both ends of each and unlinks them (the pipes live on, nameless). */
export async function createFifoPipes(): Promise<FifoPipes> {
  const dir = mkdtempSync(join(tmpdir(), 'courser-fifo-'))
  const inPath = join(dir, 'in')
  const outPath = join(dir, 'out')
  try {
    await run('mkfifo', ['-m', '600', inPath, outPath])
    // Non-blocking opens in an order that never waits: a read end first, then its write end.
    const childStdin = openSync(inPath, O_RDONLY | O_NONBLOCK)
    const toWorkerFd = openSync(inPath, O_WRONLY | O_NONBLOCK)
    const fromWorkerFd = openSync(outPath, O_RDONLY | O_NONBLOCK)
    const childStdout = openSync(outPath, O_WRONLY | O_NONBLOCK)
    await growPipe(outPath)
    return {
      childStdin,
      childStdout,
      toWorker: new Socket({ fd: toWorkerFd, readable: false, writable: true }),
      fromWorker: fifoReader(fromWorkerFd),
      releaseChildEnds() {
        closeSync(childStdin)
        closeSync(childStdout)
      },
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
