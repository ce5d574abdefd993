import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseClientMessage, type ProtocolErrorCode } from './messages.ts'
import {
  encodeAnnounceReply,
  encodeClientAnnounce,
  encodeClientAnswer,
  encodeClientScrape,
  encodeFailure,
  encodeForwardedOffer,
  encodeRelayedAnswer,
  encodeScrapeReply,
  rawId,
  type Frame,
} from './encode.ts'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (f: Frame): string => (typeof f === 'string' ? f : new TextDecoder().decode(f))
const IH = 'abcdefghijklmnopqrst'
const PID = '-PM0203-abcdefghijkl'
const OID = '\u0000\u00ff\u0080"\\\n12345678901234'
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n'.repeat(20)

describe('parseClientMessage: rejects', () => {
  const cases: [string, string, ProtocolErrorCode][] = [
    ['empty', '', 'NOT_JSON'],
    ['truncated', '{"action":"announce"', 'NOT_JSON'],
    ['trailing garbage', '{"action":"scrape"} x', 'NOT_JSON'],
    ['bad escape in short string', '{"action":"announce","x":"a\\q"}', 'NOT_JSON'],
    ['unterminated long string', `{"action":"announce","x":"${'a'.repeat(200)}\\"}`, 'NOT_JSON'],
    ['leading zero', '{"a":01}', 'NOT_JSON'],
    ['array root', '[1,2]', 'NOT_OBJECT'],
    ['string root', '"x"', 'NOT_OBJECT'],
    ['too deep', '{"a":[[[[[[[1]]]]]]]}', 'TOO_COMPLEX'],
    ['unknown action', '{"action":"connect"}', 'BAD_ACTION'],
    ['missing action', '{"info_hash":"abcdefghijklmnopqrst"}', 'BAD_ACTION'],
    ['short info_hash', '{"action":"announce","info_hash":"abc","peer_id":"-PM0203-abcdefghijkl"}', 'BAD_INFO_HASH'],
    ['numeric info_hash', '{"action":"announce","info_hash":12,"peer_id":"-PM0203-abcdefghijkl"}', 'BAD_INFO_HASH'],
    ['missing peer_id', `{"action":"announce","info_hash":"${IH}"}`, 'BAD_PEER_ID'],
    ['bad event', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","event":"boom"}`, 'BAD_EVENT'],
    ['negative numwant', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","numwant":-1}`, 'BAD_NUMWANT'],
    ['string numwant', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","numwant":"5"}`, 'BAD_NUMWANT'],
    ['offers object', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","offers":{}}`, 'BAD_OFFERS'],
    ['offer wrong type', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","offers":[{"offer_id":"${IH}","offer":{"type":"answer","sdp":"x"}}]}`, 'BAD_OFFER'],
    ['offer without id', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","offers":[{"offer":{"type":"offer","sdp":"x"}}]}`, 'BAD_OFFER_ID'],
    ['too many offers', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","offers":[${Array(33).fill(`{"offer_id":"${IH}","offer":{"type":"offer","sdp":"x"}}`).join(',')}]}`, 'TOO_MANY_OFFERS'],
    ['answer without to_peer_id', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","offer_id":"${IH}","answer":{"type":"answer","sdp":"x"}}`, 'BAD_TO_PEER_ID'],
    ['answer without sdp', `{"action":"announce","info_hash":"${IH}","peer_id":"${PID}","to_peer_id":"${PID}","offer_id":"${IH}","answer":{"type":"answer"}}`, 'BAD_ANSWER'],
    ['scrape bad hash', '{"action":"scrape","info_hash":["short"]}', 'BAD_INFO_HASH'],
  ]
  it.each(cases)('%s', (_name, input, code) => {
    const r = parseClientMessage(enc(input))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.code).toBe(code)
  })

  it('rejects invalid UTF-8', () => {
    const r = parseClientMessage(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))
    expect(r).toEqual({ ok: false, code: 'NOT_UTF8' })
  })

  it('reports the info_hash of an otherwise bad announce', () => {
    const r = parseClientMessage(enc(`{"action":"announce","info_hash":"${IH}","peer_id":"x"}`))
    expect(r).toEqual({ ok: false, code: 'BAD_PEER_ID', infoHash: IH })
  })
})

describe('parseClientMessage: accepts', () => {
  it('a join with binary ids and offers relayed byte for byte', () => {
    const offer = { type: 'offer' as const, sdp: SDP }
    const raw = encodeClientAnnounce({ infoHash: IH, peerId: PID, event: 'started', numwant: 5, offers: [{ offerId: OID, offer }] })
    const r = parseClientMessage(enc(raw))
    expect(r.ok).toBe(true)
    if (!r.ok || r.message.kind !== 'announce') throw new Error('expected announce')
    expect(r.message).toMatchObject({ infoHash: IH, peerId: PID, event: 'started', numwant: 5 })
    expect(JSON.parse(text(r.message.offers[0]?.offerId ?? new Uint8Array()))).toBe(OID)
    expect(new TextDecoder().decode(r.message.offers[0]?.offer)).toBe(JSON.stringify(offer))
  })

  it('a re-announce without event, and the empty event', () => {
    for (const extra of ['', ',"event":""', ',"event":"empty"']) {
      const r = parseClientMessage(enc(`{"action":"announce","info_hash":"${IH}","peer_id":"${PID}"${extra}}`))
      expect(r).toMatchObject({ ok: true, message: { kind: 'announce', event: undefined, numwant: undefined, offers: [] } })
    }
  })

  it('an answer', () => {
    const r = parseClientMessage(enc(encodeClientAnswer(IH, PID, OID, IH, { type: 'answer', sdp: SDP })))
    expect(r).toMatchObject({ ok: true, message: { kind: 'answer', infoHash: IH, peerId: PID, toPeerId: OID } })
    if (r.ok && r.message.kind === 'answer') expect(text(r.message.offerId)).toBe(JSON.stringify(IH))
  })

  it('scrapes of one, many and all swarms', () => {
    expect(parseClientMessage(enc(`{"action":"scrape","info_hash":"${IH}"}`))).toEqual({ ok: true, message: { kind: 'scrape', infoHashes: [IH] } })
    expect(parseClientMessage(enc(encodeClientScrape([IH, OID])))).toEqual({ ok: true, message: { kind: 'scrape', infoHashes: [IH, OID] } })
    expect(parseClientMessage(enc('{"action":"scrape"}'))).toEqual({ ok: true, message: { kind: 'scrape', infoHashes: undefined } })
  })

  it('whitespace, escapes and unicode in short strings', () => {
    const r = parseClientMessage(enc(` { "action" : "scrape" , "info_hash" : [ "\\u0041bcdefghijklmnopqr\\"s" , "é${'x'.repeat(19)}" ] } `))
    expect(r).toEqual({ ok: true, message: { kind: 'scrape', infoHashes: ['Abcdefghijklmnopqr"s', 'é' + 'x'.repeat(19)] } })
  })
})

const binaryId = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 20, maxLength: 20 }).map((a) => String.fromCharCode(...a))
const anyId = fc.string({ unit: 'binary', minLength: 20, maxLength: 20 }).filter((s) => s.length === 20)
const sdp = fc.string({ maxLength: 400 })

describe('round trips (fast-check)', () => {
  it('client announce → parse keeps ids, event, numwant and offer bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(binaryId, anyId),
        binaryId,
        fc.constantFrom(undefined, 'started' as const, 'stopped' as const, 'completed' as const),
        fc.array(fc.record({ offerId: binaryId, sdp }), { maxLength: 6 }),
        (infoHash, peerId, event, offers) => {
          const list = offers.map((o) => ({ offerId: o.offerId, offer: { type: 'offer' as const, sdp: o.sdp } }))
          const r = parseClientMessage(enc(encodeClientAnnounce({ infoHash, peerId, event, offers: list })))
          if (!r.ok || r.message.kind !== 'announce') return false
          expect(r.message.infoHash).toBe(infoHash)
          expect(r.message.peerId).toBe(peerId)
          expect(r.message.event).toBe(event)
          expect(r.message.numwant).toBe(list.length)
          expect(r.message.offers.map((o) => [JSON.parse(text(o.offerId)), JSON.parse(new TextDecoder().decode(o.offer))])).toEqual(list.map((o) => [o.offerId, o.offer]))
          return true
        },
      ),
    )
  })

  it('server frames are valid JSON carrying exactly what was given', () => {
    fc.assert(
      fc.property(anyId, binaryId, binaryId, sdp, fc.nat(), fc.nat(), (ih, pid, oid, s, c, i) => {
        const offer = enc(JSON.stringify({ type: 'offer', sdp: s }))
        expect(JSON.parse(text(encodeForwardedOffer(ih, pid, rawId(oid), offer)))).toEqual({ action: 'announce', info_hash: ih, peer_id: pid, offer_id: oid, offer: { type: 'offer', sdp: s } })
        const answer = enc(JSON.stringify({ type: 'answer', sdp: s }))
        expect(JSON.parse(text(encodeRelayedAnswer(ih, pid, rawId(oid), answer)))).toEqual({ action: 'announce', info_hash: ih, peer_id: pid, offer_id: oid, answer: { type: 'answer', sdp: s } })
        expect(JSON.parse(text(encodeAnnounceReply(ih, 30, c, i)))).toEqual({ action: 'announce', interval: 30, info_hash: ih, complete: c, incomplete: i })
        expect(JSON.parse(text(encodeScrapeReply([{ infoHash: ih, complete: c, incomplete: i }], 30)))).toEqual({
          action: 'scrape',
          files: { [ih]: { complete: c, incomplete: i, downloaded: c } },
          flags: { min_request_interval: 30 },
        })
        expect(JSON.parse(text(encodeFailure(ih, s)))).toEqual({ action: 'announce', info_hash: ih, 'failure reason': s })
      }),
    )
  })

  it('the scanner agrees with JSON.parse on arbitrary JSON (accept/reject)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (json) => {
        const r = parseClientMessage(enc(json))
        const v: unknown = JSON.parse(json)
        if (v === null || typeof v !== 'object' || Array.isArray(v)) expect(r.ok ? 'ok' : r.code).toBe('NOT_OBJECT')
        else expect(r.ok ? 'ok' : r.code).not.toBe('NOT_JSON')
      }),
    )
  })
})
