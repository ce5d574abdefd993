import type { Queryable } from '../store/db.ts'

/** Monetization and payout settings of one event. */
export interface Monetization {
  priceCents: number
  currency: string
  payoutIban: string
  payoutHolder: string
  updatedAt: string | null
}

interface Row {
  price_cents: number
  currency: string
  payout_iban: string
  payout_holder: string
  updated_at: Date | string
}

/** Settings of an event (defaults when never saved). */
export async function monetizationOf(q: Queryable, eventId: string): Promise<Monetization> {
  const r = (await q.query<Row>('SELECT * FROM monetization WHERE event_id = $1', [eventId]))[0]
  if (r === undefined) return { priceCents: 0, currency: 'EUR', payoutIban: '', payoutHolder: '', updatedAt: null }
  return {
    priceCents: r.price_cents,
    currency: r.currency,
    payoutIban: r.payout_iban,
    payoutHolder: r.payout_holder,
    updatedAt: (r.updated_at instanceof Date ? r.updated_at : new Date(r.updated_at)).toISOString(),
  }
}

/** Creates or replaces the settings of an event. */
export async function saveMonetization(q: Queryable, eventId: string, m: Omit<Monetization, 'updatedAt'>, atMs: number): Promise<void> {
  await q.query(
    `INSERT INTO monetization (event_id, price_cents, currency, payout_iban, payout_holder, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (event_id) DO UPDATE SET price_cents = $2, currency = $3, payout_iban = $4, payout_holder = $5, updated_at = $6`,
    [eventId, m.priceCents, m.currency, m.payoutIban, m.payoutHolder, new Date(atMs).toISOString()],
  )
}
