// What the gateway hands a transport, and what a listening transport gives back.
import type { Admission, UpgradeRequest } from './admission.ts'
import type { Hub } from './hub.ts'

/** A plain HTTP answer (`/health`, `/metrics`, refusals). */
export interface HttpReply {
  /** Status line text, e.g. `200 OK`. */
  status: string
  type: string
  body: string
}

/** What both transports drive. */
export interface TransportDeps {
  host: string
  port: number
  hub: Hub
  /** Admits an upgrade and, when admitted, holds the event's stream (`hub.prepare`). */
  admit(req: UpgradeRequest): Promise<Admission>
  /** GET endpoints on the gateway port. */
  http(path: string): Promise<HttpReply>
  idleTimeoutSec: number
  closeAboveBytes: number
  trustedProxies: readonly string[]
}

/** A listening transport. */
export interface Listening {
  port: number
  transport: 'uws' | 'ws'
  close(): Promise<void>
}

/** The refusal body of an upgrade: the API's error shape. */
export function refusalBody(a: { code: string; message: string }): string {
  return JSON.stringify({ error: a.code, message: a.message })
}
