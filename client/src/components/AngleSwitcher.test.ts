import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte'
import AngleSwitcher from './AngleSwitcher.svelte'

const angles = [
  { id: 'wide', label: 'Wide', live: true },
  { id: 'close', label: 'Close-up', live: true },
  { id: 'crowd', label: 'Crowd', live: false },
]

function setup(selected = 'wide') {
  const picked: string[] = []
  const r = render(AngleSwitcher, { props: { angles, selected, onselect: (id: string) => picked.push(id) } })
  return { picked, ...r }
}

afterEach(() => cleanup())

describe('AngleSwitcher', () => {
  it('is a labelled radio group with one tab stop on the selected angle', () => {
    setup('close')
    expect(screen.getByRole('radiogroup', { name: 'Camera angle' })).toBeTruthy()
    const radios = screen.getAllByRole('radio')
    expect(radios.map((r) => r.getAttribute('aria-checked'))).toEqual(['false', 'true', 'false'])
    expect(radios.map((r) => r.getAttribute('tabindex'))).toEqual(['-1', '0', '-1'])
    expect(radios[2]?.textContent).toContain('(offline)')
    // The choice is marked by a symbol too, not by colour alone; the mark is not part of the name.
    expect(radios.map((r) => r.querySelector('[aria-hidden="true"]')?.textContent ?? '')).toEqual(['', '✓', ''])
    expect(screen.getByRole('radio', { name: 'Close-up' })).toBe(radios[1])
  })

  it('ArrowRight/ArrowLeft move focus and select, wrapping around', async () => {
    const { picked } = setup('wide')
    const radios = screen.getAllByRole('radio')
    await fireEvent.keyDown(radios[0] as HTMLElement, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(radios[1])
    await fireEvent.keyDown(radios[0] as HTMLElement, { key: 'ArrowLeft' })
    expect(document.activeElement).toBe(radios[2])
    expect(picked).toEqual(['close', 'crowd'])
  })

  it('Home/End jump; Enter on the selected angle does nothing', async () => {
    const { picked } = setup('close')
    const radios = screen.getAllByRole('radio')
    await fireEvent.keyDown(radios[1] as HTMLElement, { key: 'End' })
    await fireEvent.keyDown(radios[2] as HTMLElement, { key: 'Home' })
    await fireEvent.keyDown(radios[1] as HTMLElement, { key: 'Enter' })
    expect(picked).toEqual(['crowd', 'wide'])
  })

  it('Up/Down are left to the page focus navigation', async () => {
    setup('wide')
    const radio = screen.getAllByRole('radio')[0] as HTMLElement
    const notPrevented = await fireEvent.keyDown(radio, { key: 'ArrowDown' })
    expect(notPrevented).toBe(true)
  })

  it('click selects', async () => {
    const { picked } = setup('wide')
    await fireEvent.click(screen.getByRole('radio', { name: 'Close-up' }))
    expect(picked).toEqual(['close'])
  })
})
