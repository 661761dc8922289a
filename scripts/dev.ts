// `npm run dev`: dev secrets, local migrations, client build, then `wrangler dev`
// on http://127.0.0.1:8787 (or $PORT).
import { applyLocalMigrations, buildClient, ensureDevVars, startDevServer } from './lib/dev-server.ts'

const port = Number(process.env.PORT ?? 8787)
ensureDevVars()
applyLocalMigrations()
buildClient()
const server = await startDevServer({ port })
console.log(`[parley] ready on ${server.url}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void server.stop().then(() => process.exit(0)))
}
server.process.on('exit', (code) => process.exit(code ?? 0))
