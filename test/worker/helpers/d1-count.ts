// Counts the D1 statements the Worker and the objects really run: the test's `env.DB` is
// swapped for the real binding wrapped so each executed statement is tallied (a statement
// in a batch counts once, exec() once), then put back. Nothing is faked: every statement
// still runs on the real D1 of the test runtime.
import { env } from 'cloudflare:test'

export interface D1Tally {
  /** The SQL of each statement run since the count began, in order. */
  readonly statements: string[]
  stop(): void
}

function counted(stmt: D1PreparedStatement, sql: string, seen: string[]): D1PreparedStatement {
  const run = <K extends 'first' | 'all' | 'run' | 'raw'>(name: K) => {
    const real = (stmt[name] as (...args: unknown[]) => unknown).bind(stmt)
    return (...args: unknown[]) => {
      seen.push(sql)
      return real(...args)
    }
  }
  const bind = stmt.bind.bind(stmt)
  // Own properties shadow the prototype's, so the statement stays the real one batch() takes.
  return Object.assign(stmt, {
    first: run('first'),
    all: run('all'),
    run: run('run'),
    raw: run('raw'),
    bind: (...values: unknown[]) => counted(bind(...values), sql, seen),
  })
}

/** Starts counting; `stop()` restores the real binding. */
export function countD1(): D1Tally {
  const bag = env as unknown as { DB: D1Database }
  const real = bag.DB
  const statements: string[] = []
  const sqlOf = new WeakMap<D1PreparedStatement, string>()
  const wrapped: D1Database = {
    prepare: (query) => {
      const stmt = counted(real.prepare(query), query, statements)
      sqlOf.set(stmt, query)
      return stmt
    },
    batch: (list) => {
      for (const s of list) statements.push(sqlOf.get(s) ?? '(batched)')
      return real.batch(list)
    },
    exec: (query) => {
      statements.push(query)
      return real.exec(query)
    },
    withSession: (c) => real.withSession(c),
    dump: () => real.dump(),
  }
  bag.DB = wrapped
  return {
    statements,
    stop() {
      bag.DB = real
    },
  }
}
