import { describe, it, expect, afterAll } from 'vitest'
import { makeApp, organizer, stepUp } from '../test-support.ts'
import { resealPlainIbans } from './monetization.ts'
import { unseal } from '../platform/crypto.ts'

const IBAN = 'DE89370400440532013000'

describe('payout IBAN: sealed at rest, masked in the API', async () => {
  const t = await makeApp()
  afterAll(() => t.close())
  const rawRow = async (eventId: string): Promise<string> => JSON.stringify(await t.ctx.db.query('SELECT * FROM monetization WHERE event_id = $1', [eventId]))

  it('the raw row does not contain the IBAN; the API shows only its last 4', async () => {
    const { a, secret, eventId } = await organizer(t)
    await stepUp(a, secret)
    const put = await a.req('PUT', `/api/events/${eventId}/monetization`, { priceCents: 500, currency: 'EUR', payoutIban: IBAN, payoutHolder: 'Org GmbH' })
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ priceCents: 500, payoutIbanMasked: '••••3000', payoutHolder: 'Org GmbH' })
    const get = await a.req('GET', `/api/events/${eventId}/monetization`)
    expect(get.body.payoutIbanMasked).toBe('••••3000')
    expect(JSON.stringify(get.body)).not.toContain(IBAN)
    const raw = await rawRow(eventId)
    expect(raw).not.toContain(IBAN)
    expect(raw).not.toContain(IBAN.slice(0, 12))
    // It can still be unsealed by whoever holds the data secret (payouts).
    const sealed = (await t.ctx.db.query<{ payout_iban_sealed: string }>('SELECT payout_iban_sealed FROM monetization WHERE event_id = $1', [eventId]))[0]?.payout_iban_sealed ?? ''
    expect(unseal(t.ctx.config.dataSecret, sealed)).toBe(IBAN)

    // Omitting the IBAN keeps it; '' removes it.
    expect((await a.req('PUT', `/api/events/${eventId}/monetization`, { priceCents: 700, currency: 'EUR', payoutHolder: 'Org GmbH' })).body).toMatchObject({ priceCents: 700, payoutIbanMasked: '••••3000' })
    expect((await a.req('PUT', `/api/events/${eventId}/monetization`, { priceCents: 700, currency: 'EUR', payoutIban: '', payoutHolder: 'Org GmbH' })).body).toMatchObject({ payoutIbanMasked: '' })
  })

  it('rows stored in plain text before the migration are re-sealed once at start', async () => {
    const { a, secret, eventId } = await organizer(t)
    await t.ctx.db.query("INSERT INTO monetization (event_id, price_cents, currency, payout_iban, payout_holder) VALUES ($1, 100, 'EUR', $2, 'Legacy')", [eventId, IBAN])
    expect(await resealPlainIbans(t.ctx.db, t.ctx.config.dataSecret)).toBeGreaterThanOrEqual(1)
    expect(await rawRow(eventId)).not.toContain(IBAN)
    expect(await resealPlainIbans(t.ctx.db, t.ctx.config.dataSecret)).toBe(0)
    await stepUp(a, secret)
    expect((await a.req('GET', `/api/events/${eventId}/monetization`)).body).toMatchObject({ payoutIbanMasked: '••••3000', payoutHolder: 'Legacy' })
  })
})
