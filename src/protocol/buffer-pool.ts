// Recycled memory for large frames. Every ArrayBuffer Node allocates counts as V8 external memory,
// and each few dozen MiB of it starts a major GC: at 1 MiB per response that was a quarter of the
// server's CPU (perf: ConcurrentMarking, Sweeper). A frame buffer taken here goes back once its
// bytes are written out; one never given back is simply collected, so giving back is optional and
// only done where the last reader is known.

/** Frames smaller than this use Node's own small-buffer pool (and are never given back). */
export const POOLED_MIN_SIZE = 64 * 1024
/** Larger buffers are rare enough to allocate as they come. */
const MAX_SIZE = 8 * 1024 * 1024
/** Buffers are kept by size class, rounded up to this step, so equal responses reuse each other's. */
const STEP = 64 * 1024
/** Memory kept for reuse, at most. */
const KEEP_BYTES = 32 * 1024 * 1024

export class BufferPool {
  #free = new Map<number, ArrayBuffer[]>()
  #kept = 0
  /** Handed out and not given back: only these may be given back (and only once). */
  #out = new WeakSet<ArrayBufferLike>()

  /** A buffer of `size` bytes (contents undefined). */
  take(size: number): Buffer {
    if (size < POOLED_MIN_SIZE || size > MAX_SIZE) return Buffer.allocUnsafe(size)
    const capacity = Math.ceil(size / STEP) * STEP
    let memory = this.#free.get(capacity)?.pop()
    if (memory) this.#kept -= capacity
    else memory = new ArrayBuffer(capacity)
    this.#out.add(memory)
    return Buffer.from(memory, 0, size)
  }

  /**
   * Gives back the memory `view` lies in, if it came from take() and is still out. The caller
   * must be the last user of every view of it.
   */
  give(view: Uint8Array): void {
    const memory = view.buffer
    if (!this.#out.delete(memory) || !(memory instanceof ArrayBuffer)) return
    const capacity = memory.byteLength
    if (this.#kept + capacity > KEEP_BYTES) return
    let list = this.#free.get(capacity)
    if (!list) this.#free.set(capacity, (list = []))
    list.push(memory)
    this.#kept += capacity
  }

  /** Bytes kept for reuse now. */
  get kept(): number {
    return this.#kept
  }
}

/** The pool frame decoders take large frames from. */
export const framePool = new BufferPool()
