import { describe, expect, it } from 'vitest'
import { formatCurrency, formatDateTime, formatNumber, pickLocale, t } from './index.ts'
import { errorMessage } from './errors.ts'
import en from './en.json'

describe('i18n catalogue', () => {
  it('formats ICU plurals and selects from the English catalogue', () => {
    expect(t('signUp.tooShort', { values: { min: 1 } })).toBe('Use at least 1 character for your password.')
    expect(t('signUp.tooShort', { values: { min: 8 } })).toBe('Use at least 8 characters for your password.')
    expect(t('creator.status', { values: { status: 'live' } })).toBe('Live')
    expect(t('creator.keyName', { values: { angle: 'main', label: 'Stage', hasLabel: 'yes' } })).toBe('main — Stage')
    expect(t('creator.keyName', { values: { angle: 'main', label: '', hasLabel: 'no' } })).toBe('main')
  })

  it('maps API error codes to catalogue text, never the server message', () => {
    expect(errorMessage({ error: 'TOO_MANY_ATTEMPTS', retryAfterSec: 1 })).toBe('Too many attempts. Try again in 1 second.')
    expect(errorMessage({ error: 'TOO_MANY_ATTEMPTS', retryAfterSec: 30 })).toBe('Too many attempts. Try again in 30 seconds.')
    expect(errorMessage({ error: 'HTTP_502' })).toBe('The request failed (502).')
    expect(errorMessage({ error: 'SOMETHING_NEW' })).toBe('Something went wrong (SOMETHING_NEW). Try again.')
    // A code that is not a code (hostile body) is not used as a lookup path.
    expect(errorMessage({ error: 'errors.NETWORK' })).toContain('Something went wrong')
  })

  it('formats numbers, dates and money through Intl in the active locale', () => {
    expect(formatNumber(1234.5)).toBe('1,234.5')
    expect(formatCurrency(4.5, 'EUR')).toBe('€4.50')
    expect(formatDateTime('2026-01-02T03:04:00Z', { dateStyle: 'medium', timeZone: 'UTC' })).toBe('Jan 2, 2026')
    expect(formatDateTime('not a date')).toBe('–')
  })

  it('picks a supported locale for a browser tag', () => {
    expect(pickLocale('en-GB')).toBe('en')
    expect(pickLocale('xx')).toBe('en')
    expect(pickLocale(null)).toBe('en')
  })

  it('has no empty messages', () => {
    const walk = (o: object, at: string): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? (v.trim() === '' ? [at + k] : []) : walk(v as object, `${at}${k}.`)))
    expect(walk(en, '')).toEqual([])
  })
})
