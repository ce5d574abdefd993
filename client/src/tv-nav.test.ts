import { describe, expect, it } from 'vitest'
import { directionOf, pickNext } from './tv-nav.ts'

const box = (x: number, y: number) => ({ x, y, width: 10, height: 10 })

describe('pickNext', () => {
  const grid = [box(0, 0), box(20, 0), box(40, 0), box(0, 20), box(20, 20)]
  it.each([
    ['right', box(0, 0), 1],
    ['left', box(40, 0), 1],
    ['down', box(20, 0), 4],
    ['up', box(0, 20), 0],
    ['left', box(0, 20), -1],
  ] as const)('%s from %j', (dir, from, want) => {
    const candidates = grid.filter((b) => b.x !== from.x || b.y !== from.y)
    const idx = pickNext(from, candidates, dir)
    expect(idx === -1 ? -1 : grid.indexOf(candidates[idx] as (typeof grid)[number])).toBe(want)
  })

  it('maps keys', () => {
    expect(directionOf('ArrowUp')).toBe('up')
    expect(directionOf('Enter')).toBeNull()
  })
})

describe('installTvNavigation', () => {
  it('moves focus with arrows, leaves handled keys and radio Left/Right alone', async () => {
    const { installTvNavigation } = await import('./tv-nav.ts')
    document.body.innerHTML = '<button id="a">a</button><button id="b">b</button><input type="radio" id="r" name="g">'
    const boxes: Record<string, [number, number]> = { a: [0, 0], b: [100, 0], r: [0, 100] }
    for (const [id, [x, y]] of Object.entries(boxes)) {
      const el = document.getElementById(id) as HTMLElement
      el.getBoundingClientRect = () => ({ x, y, width: 50, height: 20, top: y, left: x, right: x + 50, bottom: y + 20, toJSON: () => ({}) }) as DOMRect
      el.getClientRects = () => [el.getBoundingClientRect()] as unknown as DOMRectList
    }
    const off = installTvNavigation(document)
    const press = (key: string): boolean => (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    ;(document.getElementById('a') as HTMLElement).focus()
    press('ArrowRight')
    expect(document.activeElement?.id).toBe('b')
    press('ArrowLeft')
    press('ArrowDown')
    expect(document.activeElement?.id).toBe('r')
    expect(press('ArrowRight')).toBe(true) // not prevented: the browser moves within the radio group
    expect(document.activeElement?.id).toBe('r')
    press('ArrowUp')
    expect(document.activeElement?.id).toBe('a')
    off()
    press('ArrowRight')
    expect(document.activeElement?.id).toBe('a')
  })

  it('reaches a textarea, and leaves its arrows (and a select\'s) to the control', async () => {
    const { installTvNavigation } = await import('./tv-nav.ts')
    document.body.innerHTML = '<button id="a">a</button><textarea id="t"></textarea><select id="s"><option>1</option></select>'
    const boxes: Record<string, [number, number]> = { a: [0, 0], t: [0, 100], s: [0, 200] }
    for (const [id, [x, y]] of Object.entries(boxes)) {
      const el = document.getElementById(id) as HTMLElement
      el.getBoundingClientRect = () => ({ x, y, width: 50, height: 20, top: y, left: x, right: x + 50, bottom: y + 20, toJSON: () => ({}) }) as DOMRect
      el.getClientRects = () => [el.getBoundingClientRect()] as unknown as DOMRectList
    }
    const off = installTvNavigation(document)
    const press = (key: string): boolean => (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    ;(document.getElementById('a') as HTMLElement).focus()
    press('ArrowDown')
    expect(document.activeElement?.id).toBe('t')
    expect(press('ArrowDown')).toBe(true)
    expect(document.activeElement?.id).toBe('t')
    ;(document.getElementById('s') as HTMLElement).focus()
    expect(press('ArrowUp')).toBe(true)
    expect(document.activeElement?.id).toBe('s')
    off()
  })
})
