// Durable Object SQLite whose cursors report the rows they read and wrote (the cursor's own
// `rowsRead` / `rowsWritten`, which grow as it is consumed) to a meter. Cursors are almost
// always consumed in the task that opened them, so they are added up once, in a microtask
// after it: one array push per statement on the hot path.
export interface RowSink {
  addRows(read: number, written: number): void
}

export function meterSql(sql: SqlStorage, sink: RowSink): SqlStorage {
  let open: SqlStorageCursor<Record<string, SqlStorageValue>>[] = []
  const tally = () => {
    let read = 0
    let written = 0
    for (const c of open) {
      read += c.rowsRead
      written += c.rowsWritten
    }
    open = []
    sink.addRows(read, written)
  }
  return {
    exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
      const cursor = sql.exec<T>(query, ...bindings)
      if (open.push(cursor) === 1) queueMicrotask(tally)
      return cursor
    },
    get databaseSize() {
      return sql.databaseSize
    },
    Cursor: sql.Cursor,
    Statement: sql.Statement,
  }
}
