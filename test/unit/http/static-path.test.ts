// checkPath(): which request targets the static middleware may look up on disk.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkPath } from '../../../src/plugins/http/middleware/static.ts'

const forbid = new Set(['.php', '.htaccess'])
const none = new Set<string>()

describe('static: checkPath', () => {
  test('serves plain paths, decoded once, without query or fragment', () => {
    assert.deepEqual(checkPath('/css/app.css', forbid, none), { kind: 'serve', rel: 'css/app.css' })
    assert.deepEqual(checkPath('/a%20b.txt?x=1#y', forbid, none), { kind: 'serve', rel: 'a b.txt' })
    assert.deepEqual(checkPath('//css//./app.css', forbid, none), {
      kind: 'serve',
      rel: 'css/app.css',
    })
    assert.deepEqual(checkPath('http://host.test/img/a.PNG?q', forbid, none), {
      kind: 'serve',
      rel: 'img/a.PNG',
    })
    assert.deepEqual(checkPath('/%252e%252e/x.txt', forbid, none), {
      kind: 'serve',
      rel: '%2e%2e/x.txt',
    })
  })

  test('.. in any spelling is forbidden', () => {
    for (const url of [
      '/../x.txt',
      '/a/../../x.txt',
      '/%2e%2e/x.txt',
      '/%2E%2e/x.txt',
      '/..%2fx.txt',
      '/..\\x.txt',
      '/a%5c..%5cx.txt',
      '/..',
    ]) {
      assert.deepEqual(checkPath(url, forbid, none), { kind: 'forbidden' }, url)
    }
  })

  test('NUL, backslashes, bad escapes, dotfiles, no extension, forbidden or not allowed go on', () => {
    for (const url of [
      '/x.txt%00.css',
      '/a\\b.txt',
      '/%zz.css',
      '/.env',
      '/.git/config.txt',
      '/a/.hidden.css',
      '/README',
      '/',
      '/dir/',
      '/index.php',
      '/INDEX.PHP',
      '/x/.htaccess',
    ]) {
      assert.deepEqual(checkPath(url, forbid, none), { kind: 'next' }, url)
    }
    assert.deepEqual(checkPath('/.well-known/acme.txt', forbid, none), {
      kind: 'serve',
      rel: '.well-known/acme.txt',
    })
    assert.deepEqual(checkPath('/a/.well-known/x.txt', forbid, none), { kind: 'next' })
    const allow = new Set(['.css'])
    assert.deepEqual(checkPath('/x.js', forbid, allow), { kind: 'next' })
    assert.deepEqual(checkPath('/x.css', forbid, allow), { kind: 'serve', rel: 'x.css' })
  })
})
