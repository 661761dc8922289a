// First step of the test command: a Chromium or Chrome and pyca/cryptography must be there.
// Installs Debian's packages when the machine can (issue 16), else stops before any test with
// one line naming what to install. Never downloads a browser build of its own.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import {
  APT_BROWSER,
  aptGetCommands,
  type Facts,
  findPython,
  isExecutable,
  type Plan,
  planTestPrereqs,
} from './lib/test-prereqs.ts'

function readOsRelease(): string | undefined {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return readFileSync(path, 'utf8')
    } catch {}
  }
  return undefined
}

function facts(): Facts {
  return {
    env: process.env,
    platform: process.platform,
    isExecutable,
    python: findPython(),
    osRelease: readOsRelease(),
    isRoot: process.getuid?.() === 0,
    hasPasswordlessSudo: () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
  }
}

function stop(message: string): never {
  console.error(message)
  process.exit(1)
}

let plan: Plan = planTestPrereqs(facts())
for (const note of plan.notes) console.error(note)

if (plan.action === 'install') {
  const { packages } = plan
  console.log(plan.announce)
  for (const [command, ...args] of aptGetCommands(packages, plan.sudo)) {
    const result = spawnSync(command!, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    })
    if (result.status !== 0) {
      process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`)
      stop(
        `[parley] \`${[command, ...args].join(' ')}\` failed; install ${packages.join(' ')}, then run the tests again`,
      )
    }
  }
  plan = planTestPrereqs(facts())
  if (plan.action === 'install') {
    const missing = plan.packages.map((name) =>
      name === APT_BROWSER
        ? 'no Chromium or Chrome at the usual paths (set CHROMIUM_PATH)'
        : 'no python3 imports cryptography',
    )
    stop(`[parley] apt-get installed ${packages.join(' ')}, yet ${missing.join(' and ')}`)
  }
}

if (plan.action === 'fail') stop(plan.message)
