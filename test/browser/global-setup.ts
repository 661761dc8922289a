// Browser-test harness: a fresh client build and a `wrangler dev` on its own state and port.
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import {
  applyLocalMigrations,
  buildClient,
  type DevServer,
  ensureDevVars,
  freePort,
  ROOT,
  startDevServer,
} from '../../scripts/lib/dev-server.ts'

declare module 'vitest' {
  interface ProvidedContext {
    baseUrl: string
    /** The server's local state directory, for tools such as createsuperuser. */
    persistTo: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const artifacts = join(ROOT, 'artifacts')
  mkdirSync(artifacts, { recursive: true })
  ensureDevVars()
  buildClient()
  // Fresh D1 and Durable Object state per run, so no earlier run's users or rate limits leak in.
  const persistTo = mkdtempSync(join(tmpdir(), 'parley-browser-'))
  applyLocalMigrations(persistTo)
  const log = createWriteStream(join(artifacts, 'wrangler-browser.log'))
  const cleanUp = async () => {
    await new Promise<void>((resolve) => log.end(resolve))
    rmSync(persistTo, { recursive: true, force: true })
  }
  let server: DevServer
  try {
    server = await startDevServer({ port: await freePort(), persistTo, log: (line) => log.write(`${line}\n`) })
  } catch (err) {
    await cleanUp()
    throw new Error(`wrangler dev did not start; see artifacts/wrangler-browser.log (${String(err)})`)
  }
  project.provide('baseUrl', server.url)
  project.provide('persistTo', persistTo)
  return async () => {
    await server.stop()
    await cleanUp()
  }
}
