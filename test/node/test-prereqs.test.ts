// The test command's first step (scripts/lib/test-prereqs.ts): which browser it picks, when it
// installs Debian's packages and how, and the one line it stops with otherwise.
import { describe, expect, it } from 'vitest'
import {
  aptGetCommands,
  chooseBrowser,
  type Facts,
  isDebianLike,
  LINUX_BROWSERS,
  planTestPrereqs,
} from '../../scripts/lib/test-prereqs.ts'

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n'
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n'
const MAC_CHROME = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'

const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path)

/** A Debian machine as root with apt-get, nothing installed; each test changes what it is about. */
function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    env: {},
    platform: 'linux',
    isExecutable: only('/usr/bin/apt-get'),
    python: undefined,
    osRelease: DEBIAN,
    isRoot: true,
    hasPasswordlessSudo: () => {
      throw new Error('sudo asked')
    },
    ...overrides,
  }
}

describe('finding a browser', () => {
  it('uses CHROMIUM_PATH first when it is executable', () => {
    const choice = chooseBrowser(
      { CHROMIUM_PATH: '/opt/my/chrome' },
      'linux',
      only('/opt/my/chrome', '/usr/bin/chromium'),
    )
    expect(choice).toEqual({ path: '/opt/my/chrome', notes: [] })
  })

  it('says in one line that CHROMIUM_PATH is not executable and keeps looking', () => {
    const choice = chooseBrowser({ CHROMIUM_PATH: '/nope/chrome' }, 'linux', only('/usr/bin/chromium'))
    expect(choice).toEqual({
      path: '/usr/bin/chromium',
      notes: [
        '[parley] CHROMIUM_PATH=/nope/chrome is not an executable file; looking for Chromium or Chrome elsewhere',
      ],
    })
  })

  it.each([
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
  ])('finds %s on Linux', (path) => {
    expect(chooseBrowser({}, 'linux', only(path)).path).toBe(path)
  })

  it('prefers Chromium to Chrome on Linux', () => {
    expect(chooseBrowser({}, 'linux', only('/usr/bin/google-chrome', '/usr/bin/chromium')).path).toBe(
      '/usr/bin/chromium',
    )
  })

  it.each([
    ['/Applications/Chromium.app/Contents/MacOS/Chromium'],
    ['/Users/ada/Applications/Chromium.app/Contents/MacOS/Chromium'],
    [MAC_CHROME],
    ['/Users/ada/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  ])('finds %s on macOS', (path) => {
    expect(chooseBrowser({ HOME: '/Users/ada' }, 'darwin', only(path)).path).toBe(path)
  })

  it('looks only at the paths of its own platform', () => {
    expect(chooseBrowser({ HOME: '/Users/ada' }, 'darwin', only(...LINUX_BROWSERS)).path).toBeUndefined()
    expect(chooseBrowser({}, 'linux', only(MAC_CHROME)).path).toBeUndefined()
  })
})

describe('recognising Debian and Ubuntu', () => {
  it.each([
    ['Debian', DEBIAN, true],
    ['Ubuntu', UBUNTU, true],
    ['Linux Mint (ID_LIKE="ubuntu debian")', MINT, true],
    ['Fedora', FEDORA, false],
    ['no os-release', undefined, false],
  ])('%s: %s', (_name, osRelease, expected) => {
    expect(isDebianLike(osRelease)).toBe(expected)
  })
})

describe('planning the test prerequisites', () => {
  it('runs the tests when a browser and pyca are both there, installing nothing', () => {
    const plan = planTestPrereqs(
      facts({ isExecutable: only('/usr/bin/chromium', '/usr/bin/apt-get'), python: '/usr/bin/python3' }),
    )
    expect(plan).toEqual({ action: 'run', browser: '/usr/bin/chromium', python: '/usr/bin/python3', notes: [] })
  })

  it('installs chromium and python3-cryptography with apt-get as root, without asking sudo', () => {
    expect(planTestPrereqs(facts())).toEqual({
      action: 'install',
      packages: ['chromium', 'python3-cryptography'],
      sudo: false,
      announce: '[parley] installing chromium python3-cryptography for the tests with apt-get',
      notes: [],
    })
  })

  it('installs only the browser when pyca is there', () => {
    const plan = planTestPrereqs(facts({ python: 'python3' }))
    expect(plan).toMatchObject({ action: 'install', packages: ['chromium'] })
  })

  it('installs only python3-cryptography when a browser is there', () => {
    const plan = planTestPrereqs(facts({ isExecutable: only('/usr/bin/google-chrome', '/usr/bin/apt-get') }))
    expect(plan).toMatchObject({ action: 'install', packages: ['python3-cryptography'] })
  })

  it('installs with sudo -n when not root but sudo needs no password', () => {
    const plan = planTestPrereqs(facts({ isRoot: false, hasPasswordlessSudo: () => true, osRelease: UBUNTU }))
    expect(plan).toEqual({
      action: 'install',
      packages: ['chromium', 'python3-cryptography'],
      sudo: true,
      announce: '[parley] installing chromium python3-cryptography for the tests with sudo -n apt-get',
      notes: [],
    })
  })

  it('keeps the CHROMIUM_PATH note when it installs a browser instead', () => {
    const plan = planTestPrereqs(facts({ env: { CHROMIUM_PATH: '/nope' }, python: '/usr/bin/python3' }))
    expect(plan.notes).toEqual([
      '[parley] CHROMIUM_PATH=/nope is not an executable file; looking for Chromium or Chrome elsewhere',
    ])
    expect(plan).toMatchObject({ action: 'install', packages: ['chromium'] })
  })

  it('stops on Debian without root or passwordless sudo, naming the apt-get command', () => {
    const plan = planTestPrereqs(facts({ isRoot: false, hasPasswordlessSudo: () => false }))
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need chromium and python3-cryptography, and installing needs root or passwordless sudo: ' +
        'run `sudo apt-get install chromium python3-cryptography` (or set CHROMIUM_PATH to a Chromium or Chrome), ' +
        'then the tests again',
      notes: [],
    })
  })

  it('names only python3-cryptography, without the CHROMIUM_PATH hint, when only pyca is missing', () => {
    const plan = planTestPrereqs(
      facts({
        isRoot: false,
        hasPasswordlessSudo: () => false,
        isExecutable: only('/usr/bin/chromium', '/usr/bin/apt-get'),
      }),
    )
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need python3-cryptography, and installing needs root or passwordless sudo: ' +
        'run `sudo apt-get install python3-cryptography`, then the tests again',
      notes: [],
    })
  })

  it('stops on Debian without apt-get even as root, naming what to install', () => {
    const plan = planTestPrereqs(facts({ isExecutable: only('/usr/bin/chromium') }))
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need python3 with cryptography (`python3 -m pip install cryptography`): install, then run them again',
      notes: [],
    })
  })

  it('never installs on a Linux that is not Debian or Ubuntu, even as root', () => {
    const plan = planTestPrereqs(facts({ osRelease: FEDORA }))
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need Chromium or Google Chrome (or set CHROMIUM_PATH to its executable) and python3 with ' +
        'cryptography (`python3 -m pip install cryptography`): install, then run them again',
      notes: [],
    })
  })

  it('on macOS names the browser apps and pip when both are missing', () => {
    const plan = planTestPrereqs(facts({ platform: 'darwin', osRelease: undefined, env: { HOME: '/Users/ada' } }))
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need Google Chrome or Chromium in /Applications (or set CHROMIUM_PATH to its executable) ' +
        'and python3 with cryptography (`python3 -m pip install cryptography`): install, then run them again',
      notes: [],
    })
  })

  it('on macOS names only pip when Chrome is in /Applications', () => {
    const plan = planTestPrereqs(facts({ platform: 'darwin', osRelease: undefined, isExecutable: only(MAC_CHROME) }))
    expect(plan).toEqual({
      action: 'fail',
      message:
        '[parley] the tests need python3 with cryptography (`python3 -m pip install cryptography`): install, then run them again',
      notes: [],
    })
  })
})

describe('the apt-get commands', () => {
  it('updates quietly, then installs non-interactively, as root', () => {
    expect(aptGetCommands(['chromium', 'python3-cryptography'], false)).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', 'chromium', 'python3-cryptography'],
    ])
  })

  it('passes DEBIAN_FRONTEND through sudo -n, which resets the environment', () => {
    expect(aptGetCommands(['chromium'], true)).toEqual([
      ['sudo', '-n', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
      ['sudo', '-n', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'chromium'],
    ])
  })
})
