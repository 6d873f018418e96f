// Courser's own version and the RoadRunner release whose wire behaviour it matches (JSON HTTP payloads).

import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}

export const COURSER_VERSION = pkg.version
/** Exported to workers as RR_VERSION; RoadRunner 2023.3 is the last line with JSON HTTP payloads. */
export const RR_COMPAT_VERSION = '2023.3.12'
