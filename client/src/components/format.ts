/** Display formatting for the stats overlay, in the active locale through `Intl`. */
import { formatNumber, t } from '../i18n/index.ts'

const unknown = (): string => t('stats.unknown')

/** `2.46 sec` (locale-dependent), or `–` when unknown. */
export function formatLatency(sec: number | null): string {
  return sec === null || !Number.isFinite(sec) ? unknown() : formatSeconds(sec, 2)
}

/** A duration in seconds with a fixed number of decimals, e.g. `1.3 sec`. */
export function formatSeconds(sec: number, digits: number): string {
  return formatNumber(sec, { style: 'unit', unit: 'second', unitDisplay: 'short', minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Share of bytes from peers as a percentage (`–` before any bytes). */
export function formatShare(httpBytes: number, p2pBytes: number): string {
  const total = httpBytes + p2pBytes
  return total === 0 ? unknown() : formatNumber(p2pBytes / total, { style: 'percent', maximumFractionDigits: 0 })
}

/** Bytes in B/kB/MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return formatNumber(n, { style: 'unit', unit: 'byte', unitDisplay: 'short' })
  const [value, unit] = n < 1e6 ? [n / 1e3, 'kilobyte'] : [n / 1e6, 'megabyte']
  return formatNumber(value, { style: 'unit', unit, unitDisplay: 'short', minimumFractionDigits: 1, maximumFractionDigits: 1 })
}
