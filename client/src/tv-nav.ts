/**
 * Remote-control style focus navigation for the 10-foot UI: arrow keys move focus to the nearest
 * focusable element in that direction. Widgets that use arrows themselves (radio groups) call
 * `preventDefault`, and this handler then leaves the key alone.
 */

/** Arrow direction. */
export type Direction = 'left' | 'right' | 'up' | 'down'

/** An element's box. */
export interface Box {
  x: number
  y: number
  width: number
  height: number
}

const KEYS: Record<string, Direction> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' }

/** Maps a key to a direction (null for other keys). */
export function directionOf(key: string): Direction | null {
  return KEYS[key] ?? null
}

/**
 * Index of the best candidate from `from` in direction `dir`, or -1. Candidates must lie in that
 * half-plane; the score favours distance along the axis and penalises sideways offset twice as much.
 */
export function pickNext(from: Box, candidates: readonly Box[], dir: Direction): number {
  const fx = from.x + from.width / 2
  const fy = from.y + from.height / 2
  let best = -1
  let bestScore = Infinity
  candidates.forEach((c, i) => {
    const cx = c.x + c.width / 2
    const cy = c.y + c.height / 2
    const dx = cx - fx
    const dy = cy - fy
    const along = dir === 'left' ? -dx : dir === 'right' ? dx : dir === 'up' ? -dy : dy
    const side = dir === 'left' || dir === 'right' ? Math.abs(dy) : Math.abs(dx)
    if (along <= 1) return
    const score = along + 2 * side
    if (score < bestScore) {
      bestScore = score
      best = i
    }
  })
  return best
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select, [tabindex="0"]'

/** Installs the handler on `root`; returns the uninstaller. */
export function installTvNavigation(root: Document = document): () => void {
  const onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return
    const dir = directionOf(e.key)
    if (!dir) return
    const active = root.activeElement as HTMLElement | null
    // Multi-line text and drop-downs use every arrow themselves.
    if (active?.tagName === 'TEXTAREA' || active?.tagName === 'SELECT') return
    if (active?.tagName === 'INPUT') {
      const type = (active as HTMLInputElement).type
      // Text fields keep their caret keys; native radios keep Left/Right to move within their group.
      if (type !== 'radio' && type !== 'checkbox' && type !== 'button') return
      if (type === 'radio' && (dir === 'left' || dir === 'right')) return
    }
    const all = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el !== active && el.getClientRects().length > 0)
    if (all.length === 0) return
    if (!active || active === root.body) {
      all[0]?.focus()
      e.preventDefault()
      return
    }
    const i = pickNext(active.getBoundingClientRect(), all.map((el) => el.getBoundingClientRect()), dir)
    if (i >= 0) {
      all[i]?.focus()
      e.preventDefault()
    }
  }
  root.addEventListener('keydown', onKey)
  return () => root.removeEventListener('keydown', onKey)
}
