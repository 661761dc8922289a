// What the test command needs from outside node_modules, a Chromium or Chrome for
// test/browser and pyca/cryptography for the Fernet interop test, and how to get it: a pure
// plan from the machine's facts (scripts/test-prereqs.ts applies it), plus the finders the
// tests themselves use, so they pick what the plan checked.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'

export type Env = Record<string, string | undefined>
export type IsExecutable = (path: string) => boolean

/** Where Debian, Ubuntu (deb and snap) and Google's packages put the browser, Chromium first. */
export const LINUX_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
]

const MAC_APPS = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome']

/** The browser inside Chromium.app or Google Chrome.app, in /Applications or ~/Applications. */
export function macBrowsers(home: string | undefined): string[] {
  const folders = ['/Applications', ...(home ? [`${home}/Applications`] : [])]
  return MAC_APPS.flatMap((app) => folders.map((folder) => `${folder}/${app}`))
}

export interface BrowserChoice {
  path: string | undefined
  /** One line each, for the person running the tests. */
  notes: string[]
}

/** CHROMIUM_PATH when it is executable, else Chromium or Chrome at its usual path for the platform. */
export function chooseBrowser(env: Env, platform: NodeJS.Platform, isExecutable: IsExecutable): BrowserChoice {
  const notes: string[] = []
  const wanted = env.CHROMIUM_PATH
  if (wanted) {
    if (isExecutable(wanted)) return { path: wanted, notes }
    notes.push(`[parley] CHROMIUM_PATH=${wanted} is not an executable file; looking for Chromium or Chrome elsewhere`)
  }
  const usual = platform === 'darwin' ? macBrowsers(env.HOME) : LINUX_BROWSERS
  return { path: usual.find(isExecutable), notes }
}

/** True for Debian, Ubuntu and their derivatives, from the text of /etc/os-release. */
export function isDebianLike(osRelease: string | undefined): boolean {
  if (!osRelease) return false
  const ids = osRelease
    .split('\n')
    .map((line) => /^(ID|ID_LIKE)=(.*)$/.exec(line.trim())?.[2])
    .filter((value) => value !== undefined)
    .flatMap((value) => value.replace(/^["']|["']$/g, '').split(/\s+/))
  return ids.includes('debian') || ids.includes('ubuntu')
}

export interface Facts {
  env: Env
  platform: NodeJS.Platform
  isExecutable: IsExecutable
  /** A python3 that imports cryptography.fernet, if there is one. */
  python: string | undefined
  /** The text of /etc/os-release, if readable. */
  osRelease: string | undefined
  isRoot: boolean
  /** Asked only when something must be installed and we are not root. */
  hasPasswordlessSudo: () => boolean
}

export type Plan =
  | { action: 'run'; browser: string; python: string; notes: string[] }
  | { action: 'install'; packages: string[]; sudo: boolean; announce: string; notes: string[] }
  | { action: 'fail'; message: string; notes: string[] }

export const APT_BROWSER = 'chromium'
export const APT_PYTHON = 'python3-cryptography'

/** Run, install Debian's packages (as root or with `sudo -n`), or stop with one line naming what to install. */
export function planTestPrereqs(facts: Facts): Plan {
  const { path: browser, notes } = chooseBrowser(facts.env, facts.platform, facts.isExecutable)
  const { python } = facts
  if (browser && python) return { action: 'run', browser, python, notes }

  const packages = [...(browser ? [] : [APT_BROWSER]), ...(python ? [] : [APT_PYTHON])]
  const apt = facts.platform === 'linux' && isDebianLike(facts.osRelease) && facts.isExecutable('/usr/bin/apt-get')
  if (apt && facts.isRoot) return install(packages, false, notes)
  if (apt && facts.hasPasswordlessSudo()) return install(packages, true, notes)
  if (apt) {
    const message =
      `[parley] the tests need ${packages.join(' and ')}, and installing needs root or passwordless sudo: ` +
      `run \`sudo apt-get install ${packages.join(' ')}\`${browser ? '' : ' (or set CHROMIUM_PATH to a Chromium or Chrome)'}, ` +
      'then the tests again'
    return { action: 'fail', message, notes }
  }
  const wanted = [
    ...(browser
      ? []
      : [
          facts.platform === 'darwin'
            ? 'Google Chrome or Chromium in /Applications (or set CHROMIUM_PATH to its executable)'
            : 'Chromium or Google Chrome (or set CHROMIUM_PATH to its executable)',
        ]),
    ...(python ? [] : ['python3 with cryptography (`python3 -m pip install cryptography`)']),
  ]
  return {
    action: 'fail',
    message: `[parley] the tests need ${wanted.join(' and ')}: install, then run them again`,
    notes,
  }
}

function install(packages: string[], sudo: boolean, notes: string[]): Plan {
  const how = sudo ? 'sudo -n apt-get' : 'apt-get'
  return {
    action: 'install',
    packages,
    sudo,
    announce: `[parley] installing ${packages.join(' ')} for the tests with ${how}`,
    notes,
  }
}

/** The two commands an install plan runs; DEBIAN_FRONTEND goes through sudo as an argument, since sudo resets the environment. */
export function aptGetCommands(packages: string[], sudo: boolean): string[][] {
  const aptGet = sudo ? ['sudo', '-n', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'] : ['apt-get']
  return [
    [...aptGet, 'update', '-qq'],
    [...aptGet, 'install', '-y', '-qq', ...packages],
  ]
}

/** A regular file we may execute (symlinks followed). */
export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Debian's python3 first (python3-cryptography installs for it), then whatever python3 is on PATH. */
export function findPython(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find(
    (bin) => spawnSync(bin, ['-c', 'import cryptography.fernet'], { stdio: 'ignore' }).status === 0,
  )
}

/** The browser the tests drive, found as planTestPrereqs found it; throws when there is none. */
export function findBrowser(): string {
  const { path } = chooseBrowser(process.env, process.platform, isExecutable)
  if (!path)
    throw new Error('[parley] no Chromium or Chrome found; the test command installs one or says what to install')
  return path
}
