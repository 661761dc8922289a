// Three projects: `worker` runs inside workerd (real D1, Durable Objects, sockets);
// `node` runs Node-side checks (Fernet interop); `browser` runs in Node against a
// `wrangler dev` it starts, driving Debian's Chromium.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { generateVapidKeys } from './scripts/lib/dev-server.ts'
import { PUSH_HOST, startPushService } from './test/node/push-service.ts'

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => {
            const vapid = generateVapidKeys()
            const push = await startPushService()
            return {
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                  // The primary, then an older key: test/worker/key-rotation.test.ts seals data with the
                  // older key alone, as an instance would have stored it before the rotation.
                  FERNET_KEYS:
                    'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=,WNuLKzUPZxb3KG1rLVf9YNcX3D9C0NAGrH6vuXJGBGw=',
                  // Key rotation steps only when a test runs the coordinator's alarm (key-rotation.test.ts).
                  KEY_ROTATION_PAUSE_MS: '3600000',
                  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
                  NAME_INDEX_KEY: 'test-name-index-key-0123456789abcdef',
                  VAPID_PUBLIC_KEY: vapid.publicKey,
                  VAPID_PRIVATE_KEY: vapid.privateKey,
                  VAPID_SUBJECT: 'mailto:tests@parley.test',
                  // Only the test push service: wrangler.toml's list names the real ones.
                  PUSH_SERVICE_HOSTS: PUSH_HOST,
                },
                // The Worker's only outbound traffic is Web Push: the push service the tests
                // run on loopback answers for its host; everything else is refused.
                outboundService: async (request: Request) => {
                  const url = new URL(request.url)
                  if (url.hostname !== PUSH_HOST) return new Response('no network in tests', { status: 502 })
                  return fetch(`http://127.0.0.1:${push.port}${url.pathname}${url.search}`, {
                    method: request.method,
                    headers: request.headers,
                    body: request.method === 'GET' ? undefined : await request.arrayBuffer(),
                  })
                },
              },
            }
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          setupFiles: ['./test/worker/apply-migrations.ts'],
          testTimeout: 30_000,
          // Vitest's default on 2 cores is one file at a time, while a file spends much of its
          // time waiting on workerd (alarms, sockets, timers): two at once nearly halve the run.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // A journey waits for state that crosses a socket, a room and an inbox: a second is
          // too tight on a loaded 2-core machine. How fast it must be is the worker tests' and
          // the bench's business (test/worker/read-delivery.test.ts, npm run bench).
          expect: { poll: { timeout: 5_000 } },
          globalSetup: ['./test/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
