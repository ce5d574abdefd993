// The app's message catalogues (ICU MessageFormat through svelte-i18n) and locale-aware formatters.
import { get } from 'svelte/store'
import { _, addMessages, date, getLocaleFromNavigator, init, locale, number, time, unwrapFunctionStore } from 'svelte-i18n'
import en from './en.json'

/** Locales that have a complete catalogue; the first one is the fallback. */
export const SUPPORTED_LOCALES = ['en'] as const

/** Picks the supported locale for a BCP 47 tag (`en-GB` → `en`), or the fallback. */
export function pickLocale(tag: string | null | undefined): string {
  const lang = (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? ''
  return SUPPORTED_LOCALES.find((l) => l === lang) ?? SUPPORTED_LOCALES[0]
}

addMessages('en', en)
// Synchronous: every catalogue is bundled (no loaders), so components and tests can format at once.
void init({
  fallbackLocale: SUPPORTED_LOCALES[0],
  initialLocale: pickLocale(typeof navigator === 'undefined' ? null : getLocaleFromNavigator()),
})

/** Formats a message outside components (`.ts` code); in components use the `$_` store. */
export const t = unwrapFunctionStore(_)

/** The active locale tag, for `Intl` formatters. */
export function currentLocale(): string {
  return get(locale) ?? SUPPORTED_LOCALES[0]
}

/** Number formatting in the active locale (`Intl.NumberFormat` options). */
export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(currentLocale(), options).format(value)
}

/** Date and time in the active locale, medium date and short time by default. */
export function formatDateTime(value: Date | string | number, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }): string {
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? t('stats.unknown') : new Intl.DateTimeFormat(currentLocale(), options).format(d)
}

/** Money in the active locale, e.g. `formatCurrency(4.5, 'EUR')`. */
export function formatCurrency(amount: number, currency: string): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'currency', currency }).format(amount)
}

/** Keeps `<html lang>` (screen readers pick their voice from it) and the title in step with the locale. */
export function syncDocumentLanguage(doc: Document): () => void {
  return locale.subscribe((l) => {
    if (!l) return
    doc.documentElement.lang = l
    doc.title = t('app.name')
  })
}

export { _, date, locale, number, time }
