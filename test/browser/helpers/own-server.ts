// A `wrangler dev` of a test file's own, for tests that restart Parley with other
// FERNET_KEYS (key rotation): its own state directory and, on each start, a free port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DevServer, freePort, startDevServer } from '../../../scripts/lib/dev-server.ts'

export interface OwnServer {
  /** The local state directory (D1, Durable Objects, R2), kept across restarts. */
  persistTo: string
  /** Stops the running instance, if any, and starts one with these keys and vars; resolves to its URL. */
  start(fernetKeys: string, vars?: Record<string, string>): Promise<string>
  stop(): Promise<void>
  /** Stops it and removes the state directory. */
  dispose(): Promise<void>
}

/** Makes the state directory now (`prefix` names it under the temp dir); starts nothing yet. */
export function ownServer(prefix: string): OwnServer {
  const persistTo = mkdtempSync(join(tmpdir(), prefix))
  let server: DevServer | undefined
  return {
    persistTo,
    async start(fernetKeys, vars = {}) {
      await server?.stop()
      server = await startDevServer({
        port: await freePort(),
        persistTo,
        vars: { FERNET_KEYS: fernetKeys, ...vars },
        log: () => {},
      })
      return server.url
    },
    async stop() {
      await server?.stop()
    },
    async dispose() {
      await server?.stop()
      rmSync(persistTo, { recursive: true, force: true })
    },
  }
}
