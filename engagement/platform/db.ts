import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'

/** Something that runs SQL: the database itself or one transaction. */
export interface Queryable {
  /** One parameterised statement (`$1`, `$2`…); returns the rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

/** The one database interface the service uses; PostgreSQL and PGlite run the same SQL. */
export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite'
  /** Runs `fn` in a transaction; rolls back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Where the database lives. */
export interface DbOptions {
  /** PostgreSQL URL; empty selects PGlite. */
  url: string
  /** Schema to create and put first on the search path; empty means `public`. */
  schema: string
  /** PGlite data directory; empty means in-memory. */
  dataDir: string
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name ${name}`)
  return `"${name}"`
}

async function openPg(opts: DbOptions): Promise<Db> {
  if (opts.schema !== '') {
    const c = new pg.Client({ connectionString: opts.url })
    await c.connect()
    try {
      // Serialised: concurrent CREATE SCHEMA IF NOT EXISTS of one name can fail (unique violation in pg_namespace).
      await c.query('BEGIN')
      await c.query('SELECT pg_advisory_xact_lock(727273)')
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`)
      await c.query('COMMIT')
    } finally {
      await c.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: 10,
    ...(opts.schema !== '' ? { options: `-c search_path=${opts.schema}` } : {}),
  })
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined)
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const r = await c.query(sql, params as unknown[])
      return r.rows as R[]
    },
    async exec(sql: string) {
      await c.query(sql)
    },
  })
  const base = wrap(pool)
  return {
    kind: 'pg',
    ...base,
    async tx(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const out = await fn(wrap(client))
        await client.query('COMMIT')
        return out
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
}

async function openPglite(opts: DbOptions): Promise<Db> {
  if (opts.dataDir !== '') mkdirSync(dirname(opts.dataDir), { recursive: true })
  const lite = opts.dataDir === '' ? new PGlite() : new PGlite(opts.dataDir)
  await lite.waitReady
  if (opts.schema !== '') {
    await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}; SET search_path TO ${quoteIdent(opts.schema)}`)
  }
  interface LiteLike {
    query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
    exec(sql: string): Promise<unknown>
  }
  const wrap = (c: LiteLike): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const r = await c.query<R>(sql, [...params])
      return r.rows
    },
    async exec(sql: string) {
      await c.exec(sql)
    },
  })
  return {
    kind: 'pglite',
    ...wrap(lite),
    tx: (fn) => lite.transaction((t) => fn(wrap(t))),
    async close() {
      await lite.close()
    },
  }
}

/** Opens PostgreSQL when `url` is set, else PGlite. */
export async function openDb(opts: DbOptions): Promise<Db> {
  return opts.url !== '' ? openPg(opts) : openPglite(opts)
}

/** Drops a schema created for a test (PostgreSQL only; PGlite vanishes with the process). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (url === '' || schema === '') return
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
  } finally {
    await c.end()
  }
}
