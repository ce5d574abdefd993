import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/svelte'
import App from './App.svelte'

afterEach(() => {
  cleanup()
  history.replaceState(null, '', '/')
})

describe('App router', () => {
  it('/ shows the landing page with a link to the demo', () => {
    history.replaceState(null, '', '/')
    render(App)
    expect(screen.getByRole('heading', { level: 1, name: 'Swarmstage' })).toBeTruthy()
    expect(screen.getByRole('link', { name: '/e/demo' }).getAttribute('href')).toBe('/e/demo')
  })

  it('unknown paths say so', () => {
    history.replaceState(null, '', '/nowhere')
    render(App)
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy()
  })

  it('clicking a data-link navigates without reload to the viewer', async () => {
    history.replaceState(null, '', '/')
    render(App)
    screen.getByRole('link', { name: '/e/demo' }).click()
    await new Promise((r) => setTimeout(r, 0))
    expect(location.pathname).toBe('/e/demo')
    expect(screen.getByRole('group', { name: 'Latency' })).toBeTruthy()
    // The player's status line and the live-updates line.
    expect(screen.getAllByRole('status').map((s) => s.textContent)).toEqual(['Connecting to live updates…', 'Loading…'])
  })
})
