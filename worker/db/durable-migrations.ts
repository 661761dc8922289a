// Runs a Durable Object's append-only SQLite migrations once each, in order.

export function runMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec('create table if not exists _migrations (version integer primary key)')
  const row = sql.exec<{ v: number | null }>('select max(version) as v from _migrations').one()
  for (let v = (row.v ?? 0) + 1; v <= migrations.length; v++) {
    sql.exec(migrations[v - 1]!)
    sql.exec('insert into _migrations (version) values (?)', v)
  }
}
