// Seeds the demo event (and the system account that owns it) so viewers of `npm start` and the browser suites get playback sessions.
import type { Db } from '../engagement/platform/db.ts'
import { insertUser } from '../engagement/accounts/users.ts'
import { eventById, insertEvent } from '../engagement/events/events.ts'

/** The account that owns seeded events; its password hash is not a hash, so nobody can sign in as it. */
const SYSTEM_USER = { id: 'system-demo', email: 'demo-organizer@swarmstage.invalid', passwordHash: '!' }

/**
 * Makes sure a free event `id` exists in the engagement database (idempotent: a persistent PGlite or
 * PostgreSQL keeps it across starts). createPlaybackSession only places viewers of events it knows.
 */
export async function ensureDemoEvent(db: Db, id: string, title = 'Swarmstage demo'): Promise<void> {
  if ((await eventById(db, id)) !== null) return
  await insertUser(db, SYSTEM_USER)
  await insertEvent(db, { id, title, description: 'Two synthetic cameras, live.', startsAt: null, free: true, createdBy: SYSTEM_USER.id })
}
