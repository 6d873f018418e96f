// proxy_ip_parser pieces: subnet matching, address cleaning, Forwarded parsing, header order.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  DEFAULT_TRUSTED_HEADERS,
  cleanAddress,
  forwardedFor,
  resolveClientIp,
  trustCheck,
} from '../../../src/plugins/http/middleware/proxy-ip.ts'
import { DEFAULT_TRUSTED_SUBNETS } from '../../../src/config/index.ts'

describe('proxy_ip_parser', () => {
  test('trustCheck: v4, v6, IPv4-mapped, single addresses', () => {
    const trusted = trustCheck(DEFAULT_TRUSTED_SUBNETS)
    for (const a of [
      '10.1.2.3',
      '127.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      assert.equal(trusted(a), true, a)
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:db8::1', 'garbage', '']) {
      assert.equal(trusted(a), false, a)
    }
    const one = trustCheck(['203.0.113.5'])
    assert.equal(one('203.0.113.5'), true)
    assert.equal(one('203.0.113.6'), false)
  })

  test('cleanAddress: quotes, brackets, ports; anything else is not an address', () => {
    assert.equal(cleanAddress(' 203.0.113.7 '), '203.0.113.7')
    assert.equal(cleanAddress('203.0.113.7:8080'), '203.0.113.7')
    assert.equal(cleanAddress('"[2001:db8::1]:4711"'), '2001:db8::1')
    assert.equal(cleanAddress('[2001:db8::1]'), '2001:db8::1')
    assert.equal(cleanAddress('2001:db8::1'), '2001:db8::1')
    assert.equal(cleanAddress('::ffff:192.0.2.1'), '192.0.2.1')
    for (const bad of ['unknown', '_hidden', '', 'a.b.c.d', '<script>', '[::1', '1.2.3.4.5']) {
      assert.equal(cleanAddress(bad), undefined, bad)
    }
  })

  test('forwardedFor: every for= of every element, case-insensitive', () => {
    assert.deepEqual(
      forwardedFor('for=192.0.2.43, For="[2001:db8:cafe::17]";proto=https, by=x;for=unknown'),
      ['192.0.2.43', '"[2001:db8:cafe::17]"', 'unknown'],
    )
  })

  test('resolveClientIp: header order, right-to-left lists, fallthrough on garbage', () => {
    const trusted = trustCheck(['10.0.0.0/8'])
    const r = (h: Record<string, string>, order = DEFAULT_TRUSTED_HEADERS): string | undefined =>
      resolveClientIp(h, order, trusted)
    assert.equal(r({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 10.0.0.1' }), '2.2.2.2')
    assert.equal(r({ 'x-forwarded-for': '10.0.0.3, 10.0.0.1' }), '10.0.0.3')
    assert.equal(r({ forwarded: 'for=3.3.3.3', 'x-forwarded-for': '4.4.4.4' }), '3.3.3.3')
    assert.equal(r({ forwarded: 'for=unknown', 'x-real-ip': '5.5.5.5' }), '5.5.5.5')
    assert.equal(r({ 'true-client-ip': '6.6.6.6', 'cf-connecting-ip': '7.7.7.7' }), '6.6.6.6')
    assert.equal(r({ 'x-real-ip': 'nope' }), undefined)
    assert.equal(r({ 'x-forwarded-for': '1.1.1.1' }, ['X-Real-Ip']), undefined)
    assert.equal(r({ 'x-client': '8.8.4.4' }, ['X-Client']), '8.8.4.4')
  })
})
