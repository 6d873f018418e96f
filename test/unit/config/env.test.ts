import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DotenvError, ExpansionError, expandVars, parseDotenv } from '../../../src/config/env.ts'

describe('expandVars', () => {
  const env = { HOST: 'example.com', PORT: '8080', EMPTY: '', A_1: 'x' }

  it('expands ${VAR} and $VAR anywhere in the string', () => {
    assert.equal(expandVars('tcp://${HOST}:$PORT/x', env), 'tcp://example.com:8080/x')
    assert.equal(expandVars('$A_1-${A_1}', env), 'x-x')
  })
  it('${VAR:-default} uses the default when unset or empty', () => {
    assert.equal(expandVars('${MISSING:-6001}', env), '6001')
    assert.equal(expandVars('${EMPTY:-fallback}', env), 'fallback')
    assert.equal(expandVars('${PORT:-1}', env), '8080')
    assert.equal(expandVars('${MISSING:-}', env), '')
    assert.equal(expandVars('tcp://127.0.0.1:${MISSING:-36643}', env), 'tcp://127.0.0.1:36643')
    assert.equal(expandVars('${MISSING:-a b:c}', env), 'a b:c')
  })
  it('a set-but-empty variable expands to the empty string', () => {
    assert.equal(expandVars('[${EMPTY}]', env), '[]')
  })
  it('an unset variable without default is an error naming it', () => {
    assert.throws(
      () => expandVars('php ${APP_DIR}/worker.php', env),
      (err: unknown) =>
        err instanceof ExpansionError &&
        err.variable === 'APP_DIR' &&
        err.message ===
          'environment variable APP_DIR is not set (use ${APP_DIR:-default} to give a default)',
    )
    assert.throws(() => expandVars('$NOPE', env), /NOPE is not set/)
  })
  it('keeps a $ that does not start a name; $$ is a literal $', () => {
    assert.equal(expandVars('^https://foo\\.com$', env), '^https://foo\\.com$')
    assert.equal(expandVars('cost: $5 (x$)', env), 'cost: $5 (x$)')
    assert.equal(expandVars('pa$$word', env), 'pa$word')
    assert.equal(expandVars('$${HOST}', env), '${HOST}')
  })
  it('rejects malformed braces', () => {
    assert.throws(() => expandVars('${}', env), /invalid substitution/)
    assert.throws(() => expandVars('${A-b}', env), /invalid substitution "\$\{A-b\}"/)
    assert.throws(() => expandVars('${HOST', env), /unterminated/)
  })
  it('leaves strings without $ untouched', () => {
    assert.equal(expandVars('plain', {}), 'plain')
  })
})

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines, comments, export and quotes', () => {
    const text = [
      '# comment',
      '',
      'A=1',
      'export B = two ',
      "C='single $A # not a comment'",
      'D="double\\nline \\"q\\" $A \\$A"',
      'E=unquoted # trailing comment',
      'F=',
      'G=${A}-$B-${UNKNOWN}',
      'H="multi',
      'line"',
      'I=after',
    ].join('\n')
    assert.deepEqual(parseDotenv(text), {
      A: '1',
      B: 'two',
      C: 'single $A # not a comment',
      D: 'double\nline "q" 1 $A',
      E: 'unquoted',
      F: '',
      G: '1-two-',
      H: 'multi\nline',
      I: 'after',
    })
  })
  it('expands from the given env when the file does not define the name', () => {
    assert.deepEqual(parseDotenv('URL=http://${HOST}/', { HOST: 'h' }), { URL: 'http://h/' })
  })
  it('handles CRLF line endings', () => {
    assert.deepEqual(parseDotenv('A=1\r\nB=2\r\n'), { A: '1', B: '2' })
  })
  it('reports malformed lines with their line number', () => {
    assert.throws(
      () => parseDotenv('A=1\n\nnot a pair\n'),
      (err: unknown) =>
        err instanceof DotenvError && err.line === 3 && /expected KEY=VALUE/.test(err.message),
    )
    assert.throws(() => parseDotenv('A="open\n'), /unterminated " quote/)
    assert.throws(() => parseDotenv('1A=x'), /invalid variable name "1A"/)
  })
})
