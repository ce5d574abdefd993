import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/svelte'
import StatsOverlay from './StatsOverlay.svelte'

afterEach(() => cleanup())

describe('StatsOverlay', () => {
  it('shows latency, P2P share, peers, level and stalls', () => {
    render(StatsOverlay, { props: { stats: { httpBytes: 250, p2pBytes: 750, p2pUploadedBytes: 2_500_000, latencySec: 2.456, stalls: 2, stallSec: 1.25, level: 1, peers: 4, angle: 'wide' } } })
    expect(screen.getByRole('region', { name: 'Playback statistics' })).toBeTruthy()
    expect(screen.getByTestId('latency').textContent).toBe('2.46 sec')
    expect(screen.getByTestId('p2p-share').textContent).toBe('75%')
    expect(screen.getByTestId('peers').textContent).toBe('4')
    expect(screen.getByTestId('level').textContent).toBe('#1')
    expect(screen.getByTestId('stalls').textContent).toBe('2 (1.3 sec)')
    expect(screen.getByText('2.5 MB')).toBeTruthy()
  })

  it('shows dashes before playback', () => {
    render(StatsOverlay, { props: { stats: null } })
    expect(screen.getByTestId('latency').textContent).toBe('–')
    expect(screen.getByTestId('p2p-share').textContent).toBe('–')
  })
})
