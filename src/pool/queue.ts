// Bounded FIFO of waiters for a free worker; O(1) push/shift without Array#shift's copying.

export class FifoQueue<T> {
  #items: (T | undefined)[] = []
  #head = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  /** The item `shift()` would return, left in place. */
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    // Compact once the dead prefix dominates, so memory stays bounded under steady load.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes a specific item (a waiter that timed out); O(n), only on the slow path. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head)
    if (i < 0) return false
    this.#items.splice(i, 1)
    return true
  }

  *drain(): Generator<T> {
    let item: T | undefined
    while ((item = this.shift()) !== undefined) yield item
  }
}
