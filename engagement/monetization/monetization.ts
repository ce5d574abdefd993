import type { Queryable } from '../platform/db.ts'
import { seal } from '../platform/crypto.ts'

/** Monetization and payout settings of one event, as the API shows them: the IBAN masked. */
export interface Monetization {
  priceCents: number
  currency: string
  /** `••••3000`, or '' when no IBAN is set. */
  payoutIbanMasked: string
  payoutHolder: string
  updatedAt: string | null
}

/** What an organizer saves; an omitted IBAN keeps the stored one. */
export interface MonetizationInput {
  priceCents: number
  currency: string
  payoutIban?: string
  payoutHolder: string
}

interface Row {
  price_cents: number
  currency: string
  payout_iban_last4: string
  payout_holder: string
  updated_at: Date | string
}

/** `••••3000`: enough for an organizer to recognise the account, useless to anyone else. */
export function maskIban(last4: string): string {
  return last4 === '' ? '' : `••••${last4}`
}

/** Settings of an event (defaults when never saved). */
export async function monetizationOf(q: Queryable, eventId: string): Promise<Monetization> {
  const r = (await q.query<Row>('SELECT price_cents, currency, payout_iban_last4, payout_holder, updated_at FROM monetization WHERE event_id = $1', [eventId]))[0]
  if (r === undefined) return { priceCents: 0, currency: 'EUR', payoutIbanMasked: '', payoutHolder: '', updatedAt: null }
  return {
    priceCents: r.price_cents,
    currency: r.currency,
    payoutIbanMasked: maskIban(r.payout_iban_last4),
    payoutHolder: r.payout_holder,
    updatedAt: (r.updated_at instanceof Date ? r.updated_at : new Date(r.updated_at)).toISOString(),
  }
}

const sealIban = (secret: string, iban: string): [string, string] => (iban === '' ? ['', ''] : [seal(secret, iban), iban.slice(-4)])

/** Creates or replaces the settings of an event; the IBAN is stored sealed with `secret`. */
export async function saveMonetization(q: Queryable, secret: string, eventId: string, m: MonetizationInput, atMs: number): Promise<void> {
  const at = new Date(atMs).toISOString()
  if (m.payoutIban === undefined) {
    await q.query(
      `INSERT INTO monetization (event_id, price_cents, currency, payout_holder, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_id) DO UPDATE SET price_cents = $2, currency = $3, payout_holder = $4, updated_at = $5`,
      [eventId, m.priceCents, m.currency, m.payoutHolder, at],
    )
    return
  }
  const [sealed, last4] = sealIban(secret, m.payoutIban)
  await q.query(
    `INSERT INTO monetization (event_id, price_cents, currency, payout_iban, payout_iban_sealed, payout_iban_last4, payout_holder, updated_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7)
     ON CONFLICT (event_id) DO UPDATE SET price_cents = $2, currency = $3, payout_iban = '', payout_iban_sealed = $4, payout_iban_last4 = $5, payout_holder = $6, updated_at = $7`,
    [eventId, m.priceCents, m.currency, sealed, last4, m.payoutHolder, at],
  )
}

/**
 * One-time re-seal of IBANs stored in plain text before migration 002: seals each, keeps its
 * last 4, clears the plain column. Runs at every start and does nothing once none are left.
 */
export async function resealPlainIbans(q: Queryable, secret: string): Promise<number> {
  const rows = await q.query<{ event_id: string; payout_iban: string }>("SELECT event_id, payout_iban FROM monetization WHERE payout_iban <> ''")
  for (const r of rows) {
    const [sealed, last4] = sealIban(secret, r.payout_iban)
    await q.query("UPDATE monetization SET payout_iban = '', payout_iban_sealed = $2, payout_iban_last4 = $3 WHERE event_id = $1 AND payout_iban = $4", [r.event_id, sealed, last4, r.payout_iban])
  }
  return rows.length
}
