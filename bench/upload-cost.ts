// What one large upload costs the server (issue 12): a `wrangler dev` of this tree on its own
// state, one user uploading a file of ATTACHMENT_MAX_BYTES (10 MiB) several times in a row,
// and for each upload the workerd process group's CPU time and its peak resident memory above
// the level it idled at, sampled every 10 ms from /proc. Run: `npm run bench:upload`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyLocalMigrations, buildClient, ensureDevVars, ROOT, startDevServer } from '../scripts/lib/dev-server.ts'
import { measureCost, register } from './request-cost.ts'

const FILE_BYTES = 10 * 1024 * 1024
const UPLOADS = Number(process.env.UPLOADS ?? 5)
const PORT = Number(process.env.PORT ?? 8795)

ensureDevVars()
buildClient()
const persistTo = mkdtempSync(join(tmpdir(), 'parley-upload-'))
applyLocalMigrations(persistTo)
const server = await startDevServer({ port: PORT, persistTo, log: () => {} })
try {
  const pgid = server.process.pid
  const stamp = Date.now()
  const [ann, bob] = await Promise.all([
    register(server.url, `upload-a-${stamp}@example.com`),
    register(server.url, `upload-b-${stamp}@example.com`),
  ])
  // Random bytes (getRandomValues fills at most 64 KiB a call), so nothing compresses.
  const file = new Uint8Array(FILE_BYTES)
  for (let i = 0; i < FILE_BYTES; i += 65536) crypto.getRandomValues(file.subarray(i, i + 65536))
  const rows: { cpuMs: number; peakMiB: number; wallMs: number; status: number }[] = []
  for (let i = 0; i < UPLOADS; i++) {
    const form = new FormData()
    form.set('file', new File([file], `large-${i}.bin`, { type: 'application/octet-stream' }))
    const {
      result: status,
      wallMs,
      cpuMs,
      peakMiB,
    } = await measureCost(pgid, async () => {
      const res = await fetch(`${server.url}/api/conversations/${bob.id}/attachments`, {
        method: 'POST',
        headers: { cookie: ann.cookie },
        body: form,
      })
      await res.arrayBuffer()
      return res.status
    })
    rows.push({ status, wallMs, cpuMs, peakMiB })
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const summary = {
    fileMiB: FILE_BYTES / (1024 * 1024),
    uploads: rows,
    medianCpuMs: median(rows.map((r) => r.cpuMs)),
    medianPeakMiB: median(rows.map((r) => r.peakMiB)),
    medianWallMs: median(rows.map((r) => r.wallMs)),
  }
  writeFileSync(join(ROOT, 'bench/results/upload.json'), `${JSON.stringify(summary, null, 2)}\n`)
  console.log(JSON.stringify(summary, null, 2))
} finally {
  await server.stop()
  rmSync(persistTo, { recursive: true, force: true })
}
