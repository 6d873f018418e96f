// docs/errors.md documents every code in ErrorCodes under a `### CODE` heading, and nothing else.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ErrorCodes } from '../../src/errors.ts'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
const codes = Object.keys(ErrorCodes)

/** Every `### ERR_...` heading, in order of appearance. */
const headings = [...doc.matchAll(/^###[ \t]+(ERR_\S*)[ \t]*$/gm)].map((m) => m[1]!)

test('every error code has a ### heading in docs/errors.md', () => {
  const missing = codes.filter((code) => !headings.includes(code))
  assert.deepEqual(
    missing,
    [],
    `add a "### CODE" section to docs/errors.md for: ${missing.join(', ')}`,
  )
})

test('docs/errors.md documents no code that src/errors.ts does not define', () => {
  const unknown = headings.filter((code) => !Object.hasOwn(ErrorCodes, code))
  assert.deepEqual(unknown, [], `remove or rename in docs/errors.md: ${unknown.join(', ')}`)
})

test('each code is documented exactly once', () => {
  const repeated = headings.filter((code, i) => headings.indexOf(code) !== i)
  assert.deepEqual(repeated, [], `documented more than once: ${repeated.join(', ')}`)
})

test('no ### heading mentions an error code with extra text, which the checks above would miss', () => {
  const loose = doc
    .split('\n')
    .filter((line) => /^###\s/.test(line) && /ERR_/.test(line))
    .filter((line) => !/^###[ \t]+ERR_\S*[ \t]*$/.test(line))
  assert.deepEqual(loose, [], 'write error headings as "### ERR_CODE" alone')
})
