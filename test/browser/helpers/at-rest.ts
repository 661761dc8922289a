// Reading what a test server stored, from Python with `cryptography` (an independent Fernet):
// a shared walk over the local state directory, and a runner for the scripts.
import { execFileSync } from 'node:child_process'
import { findPython } from '../../../scripts/lib/test-prereqs.ts'

/**
 * Python: `walk_state(root, on_cell, on_file=None)` visits every file under `root` (skipping
 * SQLite's -wal and -shm, and files gone before they could be read). Each SQLite database is
 * copied aside with its -wal and read table by table: `on_cell(table, text)` for every text
 * cell (blobs decoded as UTF-8). Any other file goes whole to `on_file(path, data)`, when given
 * (R2's blobs). Returns how many databases it read.
 */
const WALK_STATE = `
import os, shutil, sqlite3, tempfile
def walk_state(root, on_cell, on_file=None):
    tmp = tempfile.mkdtemp()
    databases = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if name.endswith('-wal') or name.endswith('-shm'):
                continue
            try:
                with open(path, 'rb') as f:
                    head = f.read(16)
            except OSError:
                continue
            if head != b'SQLite format 3\\x00':
                if on_file is not None:
                    with open(path, 'rb') as f:
                        on_file(path, f.read())
                continue
            copy = os.path.join(tmp, str(databases))
            shutil.copyfile(path, copy)
            if os.path.exists(path + '-wal'):
                shutil.copyfile(path + '-wal', copy + '-wal')
            databases += 1
            db = sqlite3.connect(copy)
            for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
                try:
                    rows = db.execute('select * from "%s"' % table.replace('"', '""')).fetchall()
                except sqlite3.DatabaseError:
                    continue
                for row in rows:
                    for cell in row:
                        if isinstance(cell, bytes):
                            cell = cell.decode('utf-8', 'replace')
                        if isinstance(cell, str):
                            on_cell(table, cell)
            db.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return databases
`

/** Runs a Python script with `input` as JSON on stdin, and returns the JSON it writes to stdout. */
export function runPython<T>(script: string, input: unknown): T {
  const python = findPython()
  if (!python) throw new Error('python3 with cryptography is missing: the test command should have installed it')
  return JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' })) as T
}

/** runPython, with `walk_state` defined for the script. */
export function scanState<T>(script: string, input: unknown): T {
  return runPython(`${WALK_STATE}\n${script}`, input)
}
