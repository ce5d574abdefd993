import type { FastifyRequest } from 'fastify'
import type { Db } from '../platform/db.ts'
import { insertAudit, type AuditEntry } from './audit-entries.ts'
import type { Logger } from '../../common/log.ts'

/** What a handler tells the audit log; who, when and from where come from the request. */
export interface AuditInput {
  action: string
  eventId?: string | null
  target?: string
  result: AuditEntry['result']
  detail?: string
  /** Actor when the request has no session yet (login). */
  actorId?: string | null
}

/** Writes audit entries; a failed write is logged, never turned into a failed request. */
export type Audit = (req: FastifyRequest, e: AuditInput) => Promise<void>

/** Audit writer over the database with the injected clock. */
export function createAudit(db: Db, now: () => number, log: Logger): Audit {
  return async (req, e) => {
    try {
      await insertAudit(db, {
        atMs: now(),
        actorId: e.actorId ?? req.auth?.user.id ?? null,
        action: e.action,
        eventId: e.eventId ?? null,
        target: e.target ?? '',
        ip: req.ip,
        result: e.result,
        detail: e.detail ?? '',
      })
    } catch (err) {
      log.error({ err, action: e.action }, 'audit write failed')
    }
  }
}
