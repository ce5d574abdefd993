// Client frames: size, JSON, type and schema checks (compiled TypeBox), each failure a typed error that keeps the connection.
import { Compile } from 'typebox/compile'
import { ClientMessage, REALTIME_MAX_CLIENT_FRAME_BYTES, type ServerMessage } from '../../common/wire/realtime.ts'

const validator = Compile(ClientMessage)
const TYPES = new Set(['resume', 'vote', 'react', 'ping'])

/** Why a client frame was refused. `FRAME_TOO_BIG` closes the connection (1009); the others are answered. */
export type FrameErrorCode = 'FRAME_TOO_BIG' | 'BAD_FRAME' | 'UNKNOWN_TYPE'

/** Outcome of {@link parseClientFrame}. */
export type FrameResult = { ok: true; msg: ClientMessage } | { ok: false; code: FrameErrorCode; message: string; ref?: string }

/**
 * Parses one client frame. `bytes` is the frame's UTF-8 length (the transports have already
 * refused invalid UTF-8 in text frames). Never throws.
 */
export function parseClientFrame(text: string, bytes: number, isBinary: boolean): FrameResult {
  if (bytes > REALTIME_MAX_CLIENT_FRAME_BYTES) return { ok: false, code: 'FRAME_TOO_BIG', message: `frames are at most ${String(REALTIME_MAX_CLIENT_FRAME_BYTES)} bytes` }
  if (isBinary) return { ok: false, code: 'BAD_FRAME', message: 'frames are JSON text, not binary' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, code: 'BAD_FRAME', message: 'the frame is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'BAD_FRAME', message: 'a frame is a JSON object with a "type"' }
  const obj = value as Record<string, unknown>
  const type = obj.type
  if (typeof type !== 'string') return { ok: false, code: 'BAD_FRAME', message: 'a frame is a JSON object with a "type"' }
  // The ref is echoed on refusal only when it is one a client could have sent in a valid vote.
  const ref = typeof obj.ref === 'string' && obj.ref.length >= 1 && obj.ref.length <= 64 ? obj.ref : undefined
  if (!TYPES.has(type)) return { ok: false, code: 'UNKNOWN_TYPE', message: `unknown frame type "${type.slice(0, 32)}"`, ...(ref !== undefined ? { ref } : {}) }
  if (!validator.Check(value)) {
    const first = validator.Errors(value)[0]
    const where = first === undefined ? '' : ` at ${first.instancePath === '' ? '/' : first.instancePath}`
    return { ok: false, code: 'BAD_FRAME', message: `invalid "${type}" frame${where}: ${first?.message ?? 'does not match the schema'}`, ...(ref !== undefined ? { ref } : {}) }
  }
  return { ok: true, msg: value }
}

/** The `error` message for a refused frame or action. */
export function errorMsg(code: string, message: string, ref?: string): ServerMessage {
  return ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref }
}
