// Browser-test harness: a fresh client build and a `wrangler dev` on its own state and port.
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { ROOT, type ScratchServer, startScratchServer } from '../../scripts/lib/dev-server.ts'

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
  const log = createWriteStream(join(artifacts, 'wrangler-browser.log'))
  const endLog = () => new Promise<void>((resolve) => log.end(resolve))
  // Fresh D1 and Durable Object state per run, so no earlier run's users or rate limits leak in.
  let server: ScratchServer
  try {
    server = await startScratchServer('parley-browser-', (line) => log.write(`${line}\n`))
  } catch (err) {
    await endLog()
    throw new Error(`wrangler dev did not start; see artifacts/wrangler-browser.log (${String(err)})`)
  }
  project.provide('baseUrl', server.url)
  project.provide('persistTo', server.persistTo)
  return async () => {
    await server.stop()
    await endLog()
  }
}
