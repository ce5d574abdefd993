import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import { dropSchema, openDb } from './db.ts'
import { migrate } from './migrate.ts'

const url = process.env.DATABASE_URL ?? ''

describe(`migrations (${url === '' ? 'pglite' : 'postgres'})`, () => {
  it('apply once, are tracked in schema_migrations, and run again as a no-op', async () => {
    const schema = url === '' ? '' : `t_${randomBytes(6).toString('hex')}`
    const db = await openDb({ url, schema, dataDir: '' })
    try {
      const first = await migrate(db)
      expect(first).toContain('001_init')
      expect(await migrate(db)).toEqual([])
      const rows = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')
      expect(rows.map((r) => r.version)).toEqual(first)
      await expect(db.tx(async (q) => {
        await q.query("INSERT INTO users (id, email, password_hash) VALUES ('x', 'x@y.z', 'h')")
        throw new Error('roll back')
      })).rejects.toThrow('roll back')
      expect(await db.query('SELECT id FROM users')).toEqual([])
    } finally {
      await db.close()
      await dropSchema(url, schema)
    }
  })
})
