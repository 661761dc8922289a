// The platform refuses a statement with more than 100 bound parameters, on D1 and on
// Durable Object SQLite alike. The pinned local workerd refuses them too, but a runtime
// need not, and its error names no count; these guards refuse such statements everywhere
// (dev, tests, production) with the count, so a list that grows into an `in (…)` or a
// multi-row insert fails on the first test run instead of on the edge (issue 10).

export const MAX_BOUND_PARAMETERS = 100

function tooMany(count: number): Error {
  // Worded like the platform's own error, which code may match on.
  return new Error(
    `D1_ERROR: too many SQL variables (${count} bound parameters; the limit is ${MAX_BOUND_PARAMETERS}): SQLITE_ERROR`,
  )
}

function checkCount(count: number): void {
  if (count > MAX_BOUND_PARAMETERS) throw tooMany(count)
}

/** `items` in consecutive slices of at most `size`, so each slice fits one statement. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer: ${size}`)
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * The statement itself, with a `bind` that refuses too many values. It stays the real
 * D1PreparedStatement (an own `bind` shadows the prototype's), so `batch` accepts it.
 */
function guardStatement(stmt: D1PreparedStatement): D1PreparedStatement {
  const bind = stmt.bind.bind(stmt)
  return Object.assign(stmt, {
    bind(...values: unknown[]): D1PreparedStatement {
      checkCount(values.length)
      return guardStatement(bind(...values))
    },
  })
}

function guardSession(session: D1DatabaseSession): D1DatabaseSession {
  return {
    prepare: (query) => guardStatement(session.prepare(query)),
    batch: (statements) => session.batch(statements),
    getBookmark: () => session.getBookmark(),
  }
}

/** D1 that refuses, like the edge, a statement bound to more than MAX_BOUND_PARAMETERS values. */
export function guardD1(db: D1Database): D1Database {
  return {
    prepare: (query) => guardStatement(db.prepare(query)),
    // Statements reach batch only through prepare(), so they were checked when bound.
    batch: (statements) => db.batch(statements),
    // exec() takes no parameters.
    exec: (query) => db.exec(query),
    withSession: (constraintOrBookmark) => guardSession(db.withSession(constraintOrBookmark)),
    dump: () => db.dump(),
  }
}

/** Durable Object SQLite that refuses, like the edge, more than MAX_BOUND_PARAMETERS bindings. */
export function guardSql(sql: SqlStorage): SqlStorage {
  return {
    exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
      checkCount(bindings.length)
      return sql.exec<T>(query, ...bindings)
    },
    get databaseSize() {
      return sql.databaseSize
    },
    Cursor: sql.Cursor,
    Statement: sql.Statement,
  }
}
