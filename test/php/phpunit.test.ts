// Runs the PHP library's PHPUnit suite as one node test, so it shows up in the same summary.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'

const ROOT = new URL('../..', import.meta.url).pathname

test('PHPUnit: php/phpunit.xml passes', () => {
  const result = spawnSync('phpunit', ['-c', 'php/phpunit.xml', '--colors=never'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT'
    assert.fail(
      missing
        ? 'phpunit is not installed or not on PATH: install PHPUnit 9.6+ (e.g. apt-get install phpunit) to run the PHP suite'
        : `could not run phpunit: ${result.error.message}`,
    )
  }
  const output = `${result.stdout}${result.stderr}`
  assert.equal(result.signal, null, `phpunit was killed by ${result.signal}\n${output}`)
  assert.equal(result.status, 0, `phpunit exited with ${result.status}\n${output}`)
  // A run that collected no tests at all is not a pass.
  assert.match(output, /OK \(\d+ tests?, \d+ assertions?\)|Tests: [1-9]\d*/, output)
})
