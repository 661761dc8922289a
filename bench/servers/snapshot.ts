// A frozen copy of Parley for the bench to serve. `wrangler dev` reloads whenever a source
// file changes, and other work edits worker/ while a bench runs: a reload mid-run answers
// 503 and once took wrangler down (EPIPE). The bench serves this copy instead and records
// which commit (and which uncommitted files) it measured. With a git revision (`--source`)
// it copies that commit's tree instead (`git archive`, read-only), so a run can measure
// committed code while work in progress sits in the working tree.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
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

/** The bench's counting entry (storage-probe.js), at the same relative place so its imports resolve. */
export const PROBE_ENTRY = 'bench/servers/storage-probe.js'

export function snapshotParley(stateDir: string, source: string | null = null, patch: string | null = null): Snapshot {
  const dir = join(stateDir, 'snapshot')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  if (source) {
    const commit = git(['rev-parse', '--verify', `${source}^{commit}`])
    if (!commit) throw new Error(`--source ${source} is not a commit`)
    const paths = COPIED.filter((path) => git(['cat-file', '-t', `${commit}:${path}`]) !== '')
    const tar = execFileSync('git', ['archive', '--format=tar', commit, '--', ...paths], {
      cwd: ROOT,
      maxBuffer: 512 * 1024 * 1024,
    })
    execFileSync('tar', ['-x', '-C', dir], { input: tar })
  } else {
    for (const path of COPIED) {
      if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(dir, path), { recursive: true })
    }
  }
  // A candidate change measured without touching the tree: GNU patch on the copy only.
  if (patch) {
    execFileSync('patch', ['-p1', '--forward', '--batch', '-d', dir, '-i', resolve(patch)], { stdio: 'inherit' })
  }
  mkdirSync(join(dir, 'bench/servers'), { recursive: true })
  cpSync(join(ROOT, PROBE_ENTRY), join(dir, PROBE_ENTRY))
  cpSync(join(ROOT, 'dist/client'), join(dir, 'dist/client'), { recursive: true })
  cpSync(join(ROOT, '.dev.vars'), join(dir, '.dev.vars'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const patched = patch ? [`patch ${patch}`] : []
  if (source) return { dir, commit: git(['rev-parse', '--short', `${source}^{commit}`]), uncommitted: patched }
  return { dir, commit: git(['rev-parse', '--short', 'HEAD']), uncommitted: [...uncommitted(), ...patched] }
}

function uncommitted(): string[] {
  // Untrimmed: a porcelain line starts with a two-letter status that may begin with a space.
  const out = git(['status', '--porcelain', '--', ...COPIED], false)
  return out
    .split('\n')
    .filter((l) => l.length > 3)
    .map((l) => l.slice(3))
}

function git(args: string[], trim = true): string {
  try {
    const out = execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return trim ? out.trim() : out
  } catch {
    return ''
  }
}
