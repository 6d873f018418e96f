// The shared golden frame vectors (spec §1.7), loaded once for unit tests.

import { readFileSync } from 'node:fs'

export interface GoldenVector {
  name: string
  description: string
  hex: string
  flags: number
  stream: number
  options: number[]
  payloadHex: string
}

const file = new URL('../fixtures/frames/golden.json', import.meta.url)

export const goldenVectors: readonly GoldenVector[] = (
  JSON.parse(readFileSync(file, 'utf8')) as { vectors: GoldenVector[] }
).vectors

/** A small deterministic PRNG (mulberry32) so fuzz failures can be replayed from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Integer in [0, n). */
export function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n)
}
