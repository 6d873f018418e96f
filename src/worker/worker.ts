// One long-lived PHP process: spawn, pid handshake, exec(payload), stop, kill (spec §3).

import type { ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { CourserError } from '../errors.ts'
import {
  Flag,
  HEADER_SIZE,
  MAX_OPTIONS,
  StreamBit,
  VERSION,
  crc32,
  encodeFrame,
  encodePayloadFrame,
  encodePidRequest,
  encodeStopRequest,
  parsePidReply,
  payloadFromFrame,
  quote,
  type Frame,
  type Payload,
} from '../protocol/index.ts'
import { PipeRelay, type Relay, type SocketListener } from '../transport/index.ts'
import type { SchedPolicy } from './sched.ts'
import { spawnWorkerProcess } from './spawn.ts'
import { canTransition, rrStatus, type RetireReason, type WorkerState } from './worker-state.ts'

export interface WorkerOptions {
  command: readonly string[]
  cwd: string
  env: Readonly<Record<string, string>>
  /** `pipes`, or the listener that socket-relay workers connect to. */
  relay: 'pipes' | SocketListener
  /** Spawn plus handshake must finish within this (allocate_timeout). */
  bootTimeoutMs: number
  /**
   * Hard deadline per request and, while streaming, per frame (supervisor.exec_ttl): past it the
   * worker is SIGKILLed and the request fails with ERR_WORKER_EXEC_TTL. 0 or absent = none.
   */
  execTtlMs?: number
  /** Linux scheduling policy (sched.ts); default `normal`. */
  schedPolicy?: SchedPolicy
  log: Logger
}

export interface ExecRequest {
  /** What the request is, for `courser workers` (e.g. `GET /hello`); optional. */
  label?: string
  context: string | Uint8Array
  body: Buffer
  /** Frame flags byte for the request: the codec (CODEC_JSON for HTTP). */
  codec: number
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

/**
 * Receives a streamed response frame by frame (spec §3.7). Called only when the worker streams:
 * the first call carries the status/headers context; `last` is true for the end-of-stream frame.
 */
export type ChunkHandler = (payload: Payload, last: boolean) => void

interface PendingExec {
  label: string | undefined
  startedAt: number
  resolve(payload: Payload): void
  reject(err: Error): void
  head: Payload | null
  /** Bodies of a streamed response being collected whole (no ChunkHandler given). */
  chunks: Buffer[]
  onChunk: ChunkHandler | undefined
  /** STOP was sent: discard frames until the end-of-stream frame. */
  cancelled: boolean
  cancelTimeoutMs: number
  cancelTimer: NodeJS.Timeout | null
  /** exec_ttl deadline; restarted by every streamed frame, suspended while output is paused. */
  ttlTimer: NodeJS.Timeout | null
}

/** Process groups of every live worker, killed if the server exits without stopping them. */
const livePids = new Set<number>()
let exitHookInstalled = false
function trackLive(pid: number): void {
  livePids.add(pid)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const p of livePids) {
      try {
        process.kill(-p, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

const PONG = encodeFrame({ flags: 0, stream: StreamBit.PONG })
const STREAM_STOP = encodeFrame({ flags: 0, stream: StreamBit.STOP })
const STDERR_TAIL = 20
/** How long stray stdout output is collected before it is reported in one log line. */
const GARBAGE_GRACE_MS = 100
const BOOT_CLOSE_GRACE_MS = 500
/**
 * A worker writes each frame with one write call, so bytes that are not a whole frame followed by
 * silence (while we are reading) are stray output shorter than a header, or a truncated frame.
 */
const FRAME_STALL_MS = 1000

export class Worker {
  readonly pid: number
  readonly createdAt = Date.now()
  execs = 0
  /** Set by the owner (the pool) to learn about exits it did not ask for. */
  onExit: ((worker: Worker, info: ExitInfo, cause: CourserError) => void) | null = null
  /** When the worker last finished a request (its creation time before the first one). */
  lastUsedAt = Date.now()

  #state: WorkerState = 'starting'
  #reason: RetireReason | null = null
  #used = false
  #execTtlMs = 0
  #paused = false
  #child: ChildProcess
  /** The worker's stdin/stdout as seen from here (FIFOs or stdio pipes, see spawn.ts). */
  #stdin: Writable | null = null
  #stdout: Readable | null = null
  #relay: Relay | null = null
  #log: Logger
  #pending: PendingExec | null = null
  #stderrTail: string[] = []
  #stderrPartial = ''
  #garbage: { bytes: Buffer[]; error: CourserError; timer: NodeJS.Timeout } | null = null
  /** The stray-output error once reported (logged once, reused by every later caller). */
  #garbageReport: CourserError | null = null
  /** Relay garbage handler installed by the handshake; the frame-stall watchdog reports through it. */
  #reportGarbage: (error: CourserError, bytes: Buffer) => void = () => {}
  /** Pipes only: chunks received so far (the stall watchdog checks that none came meanwhile). */
  #dataSeq = 0
  #stallTimer: NodeJS.Timeout | null = null
  #exit: ExitInfo | null = null
  #exited: Promise<ExitInfo>
  #cause: CourserError | null = null

  private constructor(child: ChildProcess, log: Logger) {
    this.#child = child
    this.pid = child.pid ?? 0
    this.#log = log.child({ pid: this.pid })
    trackLive(this.pid)
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        livePids.delete(this.pid)
        resolve(this.#exit)
        this.#onProcessExit(this.#exit)
      })
    })
    child.stderr?.on('data', (chunk: Buffer) => this.#onStderr(chunk))
    child.stderr?.on('end', () => this.#flushStderr())
  }

  /** Spawns the process and waits for its pid handshake. */
  static async start(opts: WorkerOptions): Promise<Worker> {
    const { child, stdin, stdout } = await spawnWorkerProcess({
      command: opts.command,
      cwd: opts.cwd,
      env: opts.env,
      relay: opts.relay === 'pipes' ? 'pipes' : 'socket',
      schedPolicy: opts.schedPolicy,
    })
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child.once('error', resolve))
      throw new CourserError(
        'ERR_WORKER_BOOT_FAILED',
        `cannot execute ${JSON.stringify(opts.command.join(' '))} in ${opts.cwd}: ${err.message}`,
      )
    }
    child.on('error', () => {}) // errors surface through 'exit' and the relay
    const worker = new Worker(child, opts.log)
    worker.#stdin = stdin
    worker.#stdout = stdout
    worker.#execTtlMs = opts.execTtlMs ?? 0
    try {
      await worker.#handshake(opts)
    } catch (err) {
      worker.kill()
      throw err
    }
    return worker
  }

  get state(): WorkerState {
    return this.#state
  }

  /** The reason the worker stopped or failed, if any. */
  get cause(): CourserError | null {
    return this.#cause
  }

  /** Why the worker is being (or was) taken out of service; null while it is in good standing. */
  get reason(): RetireReason | null {
    return this.#reason
  }

  /** Records why the worker is to be retired; the first reason sticks. */
  setReason(reason: RetireReason): void {
    this.#reason ??= reason
  }

  /** RoadRunner's numeric status and name, as `informer.Workers` reports them (spec §3.6). */
  get status(): { code: number; name: string } {
    return rrStatus(this.#state, this.#reason)
  }

  /** Resident set size in bytes (VmRSS from /proc), or null when unknown or exited. */
  rss(): Promise<number | null> {
    return this.#exit ? Promise.resolve(null) : readRss(this.pid)
  }

  get exited(): Promise<ExitInfo> {
    return this.#exited
  }

  /** A request is in flight (including a cancelled stream being drained). */
  get busy(): boolean {
    return this.#pending !== null
  }

  /** The worker was sent at least one request (finished or not). */
  get used(): boolean {
    return this.#used
  }

  /**
   * Sends one request and resolves with the response's last frame. A streamed response goes to
   * `onChunk` frame by frame; without `onChunk` it is collected into one payload.
   */
  exec(request: ExecRequest, onChunk?: ChunkHandler): Promise<Payload> {
    if (this.#state !== 'ready' || !this.#relay) {
      return Promise.reject(new CourserError('ERR_WORKER_NOT_READY', `state ${this.#state}`))
    }
    if (request.body.length === 0 && request.context.length === 0) {
      return Promise.reject(new CourserError('ERR_PAYLOAD_EMPTY'))
    }
    this.#transition('working')
    this.#used = true
    const frame = encodePayloadFrame(request.codec, request.context, request.body)
    return new Promise<Payload>((resolve, reject) => {
      this.#pending = {
        label: request.label,
        startedAt: Date.now(),
        resolve,
        reject,
        head: null,
        chunks: [],
        onChunk,
        cancelled: false,
        cancelTimeoutMs: 0,
        cancelTimer: null,
        ttlTimer: null,
      }
      this.#armExecTtl(this.#pending)
      this.#relay!.send(frame)
    })
  }

  /**
   * The client went away: if the response is streaming, send STOP and drain until the worker's
   * end-of-stream frame; kill the worker if that takes longer than `timeoutMs` (stream_timeout).
   */
  cancelStream(timeoutMs: number): void {
    const pending = this.#pending
    if (!pending || pending.cancelled) return
    pending.cancelled = true
    pending.cancelTimeoutMs = timeoutMs
    // Not streaming yet: the answer is discarded when it comes, or STOP goes out on its first frame.
    if (pending.head) this.#sendStreamStop(pending)
  }

  #sendStreamStop(pending: PendingExec): void {
    this.#relay?.send(STREAM_STOP)
    const timeoutMs = pending.cancelTimeoutMs
    pending.cancelTimer = setTimeout(() => {
      this.#fail(
        new CourserError('ERR_WORKER_STREAM_TIMEOUT', `no end of stream within ${timeoutMs} ms`),
      )
    }, timeoutMs)
  }

  /**
   * Stops reading the worker's output (the client is slow); the worker blocks once the pipe is full.
   * The exec_ttl clock stops meanwhile: the wait is the client's, not the worker's.
   */
  pauseOutput(): void {
    this.#paused = true
    this.#relay?.pause()
    const pending = this.#pending
    if (pending?.ttlTimer) {
      clearTimeout(pending.ttlTimer)
      pending.ttlTimer = null
    }
  }

  resumeOutput(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#relay?.resume()
    if (this.#pending) this.#armExecTtl(this.#pending)
  }

  /** The request being executed (its label and how long it has run), or null when idle. */
  get current(): { label: string; ms: number } | null {
    const p = this.#pending
    return p ? { label: p.label ?? '', ms: Date.now() - p.startedAt } : null
  }

  /** Marks a busy worker to be retired as soon as its current request ends. */
  retire(reason?: RetireReason): void {
    if (reason) this.setReason(reason)
    if (this.#state === 'working') this.#transition('retiring')
  }

  /** Graceful stop: the stop control frame, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<ExitInfo> {
    if (this.#exit) return this.#exit
    if (this.#state !== 'stopping') {
      this.#transition('stopping')
      this.#relay?.send(encodeStopRequest())
    }
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const result = await Promise.race([this.#exited, timedOut])
    clearTimeout(timer)
    if (result === 'timeout') {
      this.#log.warn({ timeoutMs }, 'worker did not stop in time, killing it')
      this.kill()
      return this.#exited
    }
    return result
  }

  /** SIGKILL the worker's whole process group (it runs in its own group). */
  kill(): void {
    if (this.#exit) return
    try {
      process.kill(-this.pid, 'SIGKILL')
    } catch {
      this.#child.kill('SIGKILL')
    }
  }

  stderrTail(): string {
    return this.#stderrTail.join('\n')
  }

  async #handshake(opts: WorkerOptions): Promise<void> {
    const child = this.#child
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const settle = (err?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        child.off('exit', onExit)
        // A socket worker that failed to boot must not leave its claim waiting for a connection.
        if (err && opts.relay !== 'pipes') opts.relay.cancel(this.pid, err)
        if (err) reject(err)
        else resolve()
      }
      const timer = setTimeout(() => {
        settle(
          new CourserError(
            'ERR_WORKER_BOOT_FAILED',
            `no pid handshake within ${opts.bootTimeoutMs} ms${this.#stderrSuffix()}`,
          ),
        )
      }, opts.bootTimeoutMs)
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        // Let stderr/stdout drain so the log line can quote what PHP printed before dying.
        const report = (): void =>
          settle(this.#garbageError() ?? this.#bootExitError({ code, signal }))
        const grace = setTimeout(report, BOOT_CLOSE_GRACE_MS)
        child.once('close', () => {
          clearTimeout(grace)
          report()
        })
      }
      child.once('exit', onExit)

      const attach = (relay: Relay): void => {
        this.#relay = relay
        relay.setHandlers({
          frame: (frame) => {
            if (this.#state !== 'starting') return this.#onFrame(frame)
            try {
              parsePidReply(frame)
              this.#transition('ready')
              settle()
            } catch (err) {
              settle(err as Error)
            }
          },
          garbage: (this.#reportGarbage = (error, bytes) => {
            this.#onGarbage(error, bytes)
            if (this.#state === 'starting' && this.#garbage && !settled) {
              // Report once the burst of stray output is over (or the process died).
              clearTimeout(this.#garbage.timer)
              this.#garbage.timer = setTimeout(() => {
                const e = this.#garbageError()
                if (e) settle(e)
              }, GARBAGE_GRACE_MS)
            }
          }),
          close: () => {},
          // The pipes relay carries whatever the process prints: watch for partial frames that stall.
          received: opts.relay === 'pipes' ? (buffered) => this.#onReceived(buffered) : undefined,
        })
      }

      if (opts.relay === 'pipes') {
        const relay = new PipeRelay(this.#stdin!, this.#stdout!)
        attach(relay)
        relay.send(encodePidRequest(process.pid))
      } else {
        // Socket workers may print to stdout freely; it is logged like stderr.
        this.#stdout?.on('data', (chunk: Buffer) => this.#onStderr(chunk))
        opts.relay.claim(this.pid, opts.bootTimeoutMs).then((relay) => {
          attach(relay)
          this.#transition('ready')
          settle()
        }, settle)
      }
    })
  }

  #onFrame(frame: Frame): void {
    const pending = this.#pending
    if (!pending || (this.#state !== 'working' && this.#state !== 'retiring')) {
      this.#fail(
        new CourserError(
          'ERR_WORKER_STDOUT',
          `unexpected frame while ${this.#state}: ${quote(frame.payload)}`,
        ),
      )
      return
    }
    if (frame.flags & Flag.ERROR) {
      this.#finish()
      clearTimers(pending)
      pending.reject(new CourserError('ERR_WORKER_SOFT_ERROR', frame.payload.toString('utf8')))
      return
    }
    let payload: Payload
    try {
      payload = payloadFromFrame(frame)
    } catch (err) {
      this.#fail(err as CourserError)
      return
    }
    if (payload.stream & StreamBit.STREAM) {
      pending.ttlTimer?.refresh()
      if (payload.stream & StreamBit.PING) this.#relay?.send(PONG)
      const first = pending.head === null
      pending.head ??= payload
      if (pending.cancelled) {
        if (first) this.#sendStreamStop(pending)
      } else if (pending.onChunk) pending.onChunk(payload, false)
      else pending.chunks.push(payload.body)
      return
    }
    this.#finish()
    clearTimers(pending)
    if (!pending.head) {
      pending.resolve(payload)
      return
    }
    if (pending.onChunk) {
      if (!pending.cancelled) pending.onChunk(payload, true)
      pending.resolve(payload)
      return
    }
    pending.chunks.push(payload.body)
    pending.resolve({ ...pending.head, body: Buffer.concat(pending.chunks), stream: 0 })
  }

  /** The current exec completed (successfully or with a soft error). */
  #finish(): void {
    this.#pending = null
    this.execs++
    this.lastUsedAt = Date.now()
    if (this.#state === 'working') this.#transition('ready')
  }

  #onGarbage(error: CourserError, bytes: Buffer): void {
    this.#clearStall()
    // An idle worker with a corrupt stream must not be handed a request while the burst is collected.
    if (this.#state === 'ready') this.#transition('errored')
    if (this.#garbage) {
      this.#garbage.bytes.push(bytes)
      return
    }
    this.#garbage = {
      bytes: [bytes],
      error,
      timer: setTimeout(() => {
        const err = this.#garbageError()
        if (err && this.#state !== 'starting') this.#fail(err)
      }, GARBAGE_GRACE_MS),
    }
  }

  /**
   * The stray output as an error, once its burst is over. The first call also logs it, once, as the
   * worker's output (the pid is on every line of this logger).
   */
  #garbageError(): CourserError | null {
    if (this.#garbageReport) return this.#garbageReport
    const g = this.#garbage
    if (!g) return null
    clearTimeout(g.timer)
    const all = Buffer.concat(g.bytes)
    // Quote the stray text only, not the frame that followed it (there usually is one: the response).
    const at = findFrameHeader(all)
    const bytes = at > 0 ? all.subarray(0, at) : all
    const exit = this.#exit ? ` (exit ${describeExit(this.#exit)})` : ''
    const text =
      quote(bytes) + (at > 0 ? ` (then ${all.length - at} bytes of frames, discarded)` : '')
    this.#log.warn(
      { stream: 'stdout', worker_output: text, bytes: bytes.length, code: g.error.code },
      `worker wrote to stdout: ${text}`,
    )
    if (g.error.code === 'ERR_WORKER_FILE_NOT_FOUND') {
      this.#garbageReport = new CourserError('ERR_WORKER_FILE_NOT_FOUND', `${text}${exit}`)
    } else {
      const what =
        g.error.code === 'ERR_FRAME_TRUNCATED'
          ? `worker ${this.pid} wrote ${bytes.length} bytes that are not a whole frame, then nothing for ${FRAME_STALL_MS} ms`
          : `worker ${this.pid} printed`
      this.#garbageReport = new CourserError(
        'ERR_WORKER_STDOUT',
        `${what}: ${text}${exit}; use STDERR (error_log) for output, stdout carries frames`,
        { cause: g.error },
      )
    }
    return this.#garbageReport
  }

  /**
   * Pipes relay: if bytes that are not yet a whole frame stay pending while nothing arrives for
   * FRAME_STALL_MS (and we are reading), they are reported as stray output. Without this,
   * `echo "ok\n"` from an idle worker would sit in the decoder and fail a later request.
   */
  #onReceived(buffered: number): void {
    this.#dataSeq++
    if (buffered === 0 || this.#garbage) this.#clearStall()
    else this.#armStall()
  }

  #armStall(): void {
    if (this.#stallTimer) return
    const seq = this.#dataSeq
    this.#stallTimer = setTimeout(() => {
      // setImmediate: let the poll phase deliver any bytes already waiting in the pipe first.
      setImmediate(() => {
        this.#stallTimer = null
        const relay = this.#relay
        if (!relay || this.#garbage || this.#exit) return
        const pendingBytes = relay.pendingBytes()
        if (pendingBytes.length === 0) return
        if (this.#dataSeq !== seq || this.#paused) {
          this.#armStall()
          return
        }
        this.#reportGarbage(
          new CourserError('ERR_FRAME_TRUNCATED', `${pendingBytes.length} bytes`),
          pendingBytes,
        )
      })
    }, FRAME_STALL_MS)
    this.#stallTimer.unref()
  }

  #clearStall(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer)
    this.#stallTimer = null
  }

  #armExecTtl(pending: PendingExec): void {
    const ms = this.#execTtlMs
    if (!ms || this.#paused) return
    if (pending.ttlTimer) clearTimeout(pending.ttlTimer)
    pending.ttlTimer = setTimeout(() => {
      pending.ttlTimer = null
      if (this.#pending !== pending) return
      this.setReason('exec_ttl')
      const what = pending.head ? 'no stream frame' : 'no response'
      this.#fail(
        new CourserError(
          'ERR_WORKER_EXEC_TTL',
          `${what} from worker ${this.pid} within exec_ttl (${ms} ms); the worker was killed`,
        ),
      )
    }, ms)
  }

  #bootExitError(info: ExitInfo): CourserError {
    return new CourserError(
      'ERR_WORKER_BOOT_FAILED',
      `exited during boot with ${describeExit(info)}${this.#stderrSuffix()}`,
    )
  }

  #stderrSuffix(): string {
    this.#flushStderr()
    const tail = this.#stderrTail.slice(-5).join(' | ')
    return tail ? `; stderr: ${tail}` : ''
  }

  /** A fatal protocol problem: fail the current request and kill the process. */
  #fail(err: CourserError): void {
    this.#cause ??= err
    if (this.#state !== 'stopped' && this.#state !== 'errored') this.#transition('errored')
    const pending = this.#pending
    this.#pending = null
    if (pending) clearTimers(pending)
    pending?.reject(err)
    this.kill()
  }

  #onProcessExit(info: ExitInfo): void {
    this.#clearStall()
    this.#relay?.close()
    const wasStopping = this.#state === 'stopping'
    const cause =
      this.#garbageError() ??
      this.#cause ??
      new CourserError(
        'ERR_WORKER_EXITED',
        `exit ${describeExit(info)}${wasStopping ? '' : this.#stderrSuffix()}`,
      )
    this.#cause ??= cause
    this.#transition('stopped')
    const pending = this.#pending
    this.#pending = null
    if (pending) clearTimers(pending)
    pending?.reject(cause)
    this.onExit?.(this, info, cause)
  }

  #onStderr(chunk: Buffer): void {
    const text = this.#stderrPartial + chunk.toString('utf8')
    const lines = text.split('\n')
    this.#stderrPartial = lines.pop() ?? ''
    for (const line of lines) this.#stderrLine(line)
  }

  #flushStderr(): void {
    if (this.#stderrPartial) this.#stderrLine(this.#stderrPartial)
    this.#stderrPartial = ''
  }

  #stderrLine(line: string): void {
    const trimmed = line.replace(/\r$/, '')
    if (!trimmed) return
    this.#stderrTail.push(trimmed)
    if (this.#stderrTail.length > STDERR_TAIL) this.#stderrTail.shift()
    this.#log.info({ worker_output: trimmed }, 'worker output')
  }

  #transition(to: WorkerState): void {
    const from = this.#state
    if (from === to) return
    if (!canTransition(from, to)) {
      this.#log.debug({ from, to }, 'ignored worker state transition')
      return
    }
    this.#state = to
  }
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `code ${info.code}`
}

function clearTimers(pending: PendingExec): void {
  if (pending.cancelTimer) clearTimeout(pending.cancelTimer)
  if (pending.ttlTimer) clearTimeout(pending.ttlTimer)
  pending.cancelTimer = null
  pending.ttlTimer = null
}

/** VmRSS of a process in bytes, from /proc/<pid>/status (Linux); null when unavailable. */
export async function readRss(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

/**
 * Offset of the first well-formed frame header (version 1, HL 3..13, matching CRC) in `bytes`, or -1.
 * Used to tell stray text from the frame that followed it in the log line. The stream is not
 * resumed from there: text may have split a frame, and the worker is restarted anyway.
 */
export function findFrameHeader(bytes: Buffer): number {
  for (let i = 1; i + HEADER_SIZE <= bytes.length; i++) {
    const b0 = bytes[i]!
    const hl = b0 & 0x0f
    if (b0 >> 4 !== VERSION || hl < 3 || hl - 3 > MAX_OPTIONS) continue
    if (crc32(bytes, i, i + 6) === bytes.readUInt32LE(i + 6)) return i
  }
  return -1
}
