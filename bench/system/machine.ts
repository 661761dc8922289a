// What the numbers were measured on: they mean little without the machine beside them.
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../scripts/lib/dev-server.ts'

export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryGiB: number
  kernel: string
  node: string
  wrangler: string
  workerd: string
  openFilesLimit: string
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrangler: packageVersion('wrangler'),
    workerd: packageVersion('workerd'),
    openFilesLimit: openFilesLimit(),
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version
  } catch {
    return 'unknown'
  }
}

/** The soft limit this process (and so the servers it starts) runs under. */
function openFilesLimit(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    return line?.split(/\s{2,}/)[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
