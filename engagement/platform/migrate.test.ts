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

  it.skipIf(url === '')('two instances opening and migrating a fresh schema at once both succeed (PostgreSQL)', async () => {
    for (let round = 0; round < 3; round++) {
      const schema = `t_${randomBytes(6).toString('hex')}`
      try {
        const applied = await Promise.all(
          [0, 1].map(async () => {
            const db = await openDb({ url, schema, dataDir: '' })
            try {
              return await migrate(db)
            } finally {
              await db.close()
            }
          }),
        )
        // Each migration applied exactly once, by one of the two.
        expect(applied.flat().sort()).toEqual([...new Set(applied.flat())].sort())
        expect(applied.flat()).toContain('001_init')
      } finally {
        await dropSchema(url, schema)
      }
    }
  })
})
