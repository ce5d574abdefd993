import type { EngagementConfig } from './config.ts'
import type { Db } from './platform/db.ts'
import type { Kv } from './platform/kv.ts'
import type { LoginSessions } from './accounts/login-sessions.ts'
import type { Throttles } from './platform/rate-limits.ts'
import type { Audit } from './audit/audit-log.ts'
import type { OriginAdmin } from './events/origin-admin.ts'
import type { Logger } from '../common/log.ts'
import type { RealtimePublisher } from './realtime/types.ts'

/** Everything route modules need, built once in `buildApp`. */
export interface Ctx {
  config: EngagementConfig
  db: Db
  kv: Kv
  loginSessions: LoginSessions
  throttles: Throttles
  audit: Audit
  /** Clock (ms since epoch); tests inject one. */
  now: () => number
  origin: OriginAdmin
  log: Logger
  /** Publishing to the real-time gateway: sequenced feed items and unordered messages (engagement/realtime). */
  realtime: RealtimePublisher
}
