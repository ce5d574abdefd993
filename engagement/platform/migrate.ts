import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Db } from './db.ts'

/** Folder of versioned migrations (`NNN_name.sql`), applied in name order, never edited once released. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

/** Applies every migration not yet recorded in `schema_migrations`; returns the versions applied now. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Under the same lock as the migrations: two instances starting together on a fresh database would
  // otherwise race in CREATE TABLE IF NOT EXISTS (a unique violation in pg_type).
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock(727274)')
    await q.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
  })
  const files = (await readdir(dir)).filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f)).sort()
  const applied: string[] = []
  for (const file of files) {
    const version = file.replace(/\.sql$/, '')
    const sql = await readFile(new URL(file, `file://${dir}`), 'utf8')
    const done = await db.tx(async (q) => {
      // Two instances starting together must not both apply the same migration.
      await q.query('SELECT pg_advisory_xact_lock(727274)')
      const seen = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version])
      if (seen.length > 0) return false
      await q.exec(sql)
      await q.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
      return true
    })
    if (done) applied.push(version)
  }
  return applied
}
