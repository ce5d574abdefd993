// Server-issued proof-of-work challenges: the CAPTCHA stand-in that makes each guess on an account under attack cost work.
import { createHash } from 'node:crypto'
import type { Kv } from '../platform/kv.ts'
import { randomToken } from '../platform/crypto.ts'

/** Name of the puzzle, sent to clients so they know what to solve. */
export const POW_ALGORITHM = 'sha256-leading-zero-bits'

/** A challenge as the client receives it. */
export interface PowChallenge {
  challengeId: string
  /** Leading zero bits SHA-256(`${challengeId}:${nonce}`) must have. */
  difficulty: number
  algorithm: typeof POW_ALGORITHM
  expiresInSec: number
}

/** A solution as the client sends it back. */
export interface PowSolution {
  challengeId: string
  nonce: string
}

/** Number of leading zero bits of `bytes`. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let n = 0
  for (const b of bytes) {
    if (b === 0) {
      n += 8
      continue
    }
    return n + Math.clz32(b) - 24
  }
  return n
}

/** True when `nonce` solves `challengeId` at `difficulty` bits (pure). */
export function checkProof(challengeId: string, nonce: string, difficulty: number): boolean {
  return leadingZeroBits(createHash('sha256').update(`${challengeId}:${nonce}`).digest()) >= difficulty
}

/** Finds a nonce by brute force (tests, scripts); a browser does the same with WebCrypto. */
export function solveProof(challengeId: string, difficulty: number): string {
  for (let i = 0; ; i++) if (checkProof(challengeId, String(i), difficulty)) return String(i)
}

const TTL_MS = 5 * 60_000
const key = (id: string): string => `pow:${id}`
const usedKey = (id: string): string => `pow-used:${id}`

/** Issues challenges into the kv store and redeems each solution once. */
export class PowChallenges {
  constructor(
    private readonly kv: Kv,
    private readonly difficulty: number,
  ) {}

  /** A fresh challenge, valid for 5 minutes. */
  async issue(): Promise<PowChallenge> {
    const challengeId = randomToken(18)
    await this.kv.set(key(challengeId), String(this.difficulty), TTL_MS)
    return { challengeId, difficulty: this.difficulty, algorithm: POW_ALGORITHM, expiresInSec: TTL_MS / 1000 }
  }

  /** True once for a correct solution of a live challenge; unknown, expired, reused or wrong is false. */
  async redeem(s: PowSolution): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(s.challengeId) || !/^[0-9]{1,20}$/.test(s.nonce)) return false
    const stored = await this.kv.get(key(s.challengeId))
    if (stored === null || !checkProof(s.challengeId, s.nonce, Number(stored))) return false
    // incr is atomic in both stores: of two requests racing with one solution, only one sees 1.
    const used = await this.kv.incr(usedKey(s.challengeId), TTL_MS)
    if (used.count !== 1) return false
    await this.kv.del(key(s.challengeId))
    return true
  }
}
