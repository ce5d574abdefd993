import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte'
import LatencyModeToggle from './LatencyModeToggle.svelte'
import type { LatencyMode } from '../player/delivery-config.ts'

afterEach(() => cleanup())

describe('LatencyModeToggle', () => {
  it('labels both modes inside a Latency group and reflects the current one', () => {
    render(LatencyModeToggle, { props: { mode: 'live', onchange: () => {} } })
    expect(screen.getByRole('group', { name: 'Latency' })).toBeTruthy()
    const live = screen.getByRole('radio', { name: /Live/ }) as HTMLInputElement
    const ultra = screen.getByRole('radio', { name: /Ultra-low/ }) as HTMLInputElement
    expect(live.checked).toBe(true)
    expect(ultra.checked).toBe(false)
  })

  it('reports the chosen mode', async () => {
    const got: LatencyMode[] = []
    render(LatencyModeToggle, { props: { mode: 'live', onchange: (m: LatencyMode) => got.push(m) } })
    await fireEvent.click(screen.getByRole('radio', { name: /Ultra-low/ }))
    expect(got).toEqual(['ultra-low'])
  })
})
