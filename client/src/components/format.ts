/** Display formatting for the stats overlay. */

/** `2.41 s`, or `–` when unknown. */
export function formatLatency(sec: number | null): string {
  return sec === null || !Number.isFinite(sec) ? '–' : `${sec.toFixed(2)} s`
}

/** Share of bytes from peers as a percentage (`–` before any bytes). */
export function formatShare(httpBytes: number, p2pBytes: number): string {
  const total = httpBytes + p2pBytes
  return total === 0 ? '–' : `${Math.round((100 * p2pBytes) / total)} %`
}

/** Bytes in B/kB/MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`
  return `${(n / 1e6).toFixed(1)} MB`
}
