// A frozen copy of Parley for the bench to serve. `wrangler dev` reloads whenever a source
// file changes, and other work edits worker/ while a bench runs: a reload mid-run answers
// 503 and once took wrangler down (EPIPE). The bench serves this copy instead and records
// which commit (and which uncommitted files) it measured.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../scripts/lib/dev-server.ts'

export interface Snapshot {
  dir: string
  commit: string
  /** Files under the copied paths that differ from the commit. */
  uncommitted: string[]
}

const COPIED = [
  'worker',
  'protocol',
  'migrations',
  'wrangler.toml',
  'package.json',
  'tsconfig.json',
  'tsconfig.base.json',
]

export function snapshotParley(stateDir: string): Snapshot {
  const dir = join(stateDir, 'snapshot')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const path of COPIED) {
    if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(dir, path), { recursive: true })
  }
  cpSync(join(ROOT, 'dist/client'), join(dir, 'dist/client'), { recursive: true })
  cpSync(join(ROOT, '.dev.vars'), join(dir, '.dev.vars'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, commit: git(['rev-parse', '--short', 'HEAD']), uncommitted: uncommitted() }
}

function uncommitted(): string[] {
  const out = git(['status', '--porcelain', '--', ...COPIED])
  return out ? out.split('\n').map((l) => l.slice(3)) : []
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}
