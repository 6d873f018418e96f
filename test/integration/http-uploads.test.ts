// Upload edge cases against a real PHP worker: empty files and a 100 MB file streamed to disk.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { Readable } from 'node:stream'
import { startHttp } from '../helpers/http.ts'
import { waitFor } from '../helpers/courser-process.ts'

interface UploadLeaf {
  name: string
  size: number
  error: number
  tmpName: string
}
interface EchoBody {
  context: { uploads: Record<string, UploadLeaf> | null; parsed: boolean }
  body: string
}

test('uploads', async (t) => {
  const h = await startHttp(t, { body: { maxBytes: 200 * 1024 * 1024 } })

  await t.test('a 0-byte file is an upload with size 0 and error 0', async () => {
    const form = new FormData()
    form.append('empty', new Blob([]), 'empty.txt')
    const res = await fetch(`${h.base}/upload`, { method: 'POST', body: form })
    const body = (await res.json()) as EchoBody
    const leaf = body.context.uploads?.['empty']
    assert.ok(leaf)
    assert.equal(leaf.size, 0)
    assert.equal(leaf.error, 0)
    assert.equal(leaf.name, 'empty.txt')
    assert.ok(leaf.tmpName.startsWith(h.uploadsDir))
  })

  await t.test(
    'a 100 MB file is streamed to a temp file and removed after the response',
    async () => {
      const size = 100 * 1024 * 1024
      const boundary = 'courser-test-boundary'
      const block = Buffer.alloc(1024 * 1024, 0x62)
      function* parts(): Generator<Buffer> {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="big"; filename="big.bin"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        )
        for (let sent = 0; sent < size; sent += block.length) yield block
        yield Buffer.from(`\r\n--${boundary}--\r\n`)
      }
      // Node's fetch streams a Readable body with duplex 'half' (absent from the DOM type).
      const init = {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: Readable.from(parts()),
        duplex: 'half',
      }
      const res = await fetch(`${h.base}/upload`, init as unknown as RequestInit)
      assert.equal(res.status, 200)
      const body = (await res.json()) as EchoBody
      const leaf = body.context.uploads?.['big']
      assert.ok(leaf)
      assert.equal(leaf.size, size)
      assert.equal(leaf.error, 0)
      assert.ok(
        await waitFor(() => readdirSync(h.uploadsDir).length === 0, 2000),
        'temp file left behind',
      )
    },
  )
})
