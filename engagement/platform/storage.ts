import type { EngagementConfig } from '../config.ts'
import { openDb, type Db } from './db.ts'
import { migrate } from './migrate.ts'
import { resealPlainIbans } from '../monetization/monetization.ts'
import { createMemoryKv, type Kv } from './kv.ts'
import { createRedisKv } from './kv-redis.ts'

/** Opens the configured database (PostgreSQL or PGlite) and applies pending migrations. */
export async function openDatabase(config: EngagementConfig): Promise<Db> {
  const db = await openDb({ url: config.databaseUrl, schema: config.databaseSchema, dataDir: config.pgliteDataDir })
  try {
    await migrate(db)
    await resealPlainIbans(db, config.dataSecret)
  } catch (err) {
    await db.close()
    throw err
  }
  return db
}

/** Opens the configured kv store (Redis or in-process). */
export async function openKv(config: EngagementConfig, now: () => number): Promise<Kv> {
  return config.redisUrl !== '' ? createRedisKv(config.redisUrl, config.kvPrefix) : createMemoryKv(now)
}
