import type { EngagementConfig } from './config.ts'
import type { Db } from './store/db.ts'
import type { Kv } from './store/kv.ts'
import type { Sessions } from './core/sessions.ts'
import type { Throttles } from './plugins/rate-limits.ts'
import type { Audit } from './plugins/audit.ts'
import type { OriginAdmin } from './clients/origin-admin.ts'
import type { Logger } from '../common/log.ts'

/** Everything route modules need, built once in `buildApp`. */
export interface Ctx {
  config: EngagementConfig
  db: Db
  kv: Kv
  sessions: Sessions
  throttles: Throttles
  audit: Audit
  /** Clock (ms since epoch); tests inject one. */
  now: () => number
  origin: OriginAdmin
  log: Logger
}
