import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import Creator from './Creator.svelte'
import { api } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
beforeEach(() => history.replaceState(null, '', '/creator?event=ev1'))
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})

const KEY = { id: 'key12345', eventId: 'ev1', angle: 'main', label: 'Stage', masked: 'live_••••••••abcd', createdAt: '2026-01-01T00:00:00Z', revokedAt: null }
const STEP_UP = { status: 401, body: { error: 'STEP_UP_REQUIRED', message: 'confirm it is you', stepUp: { endpoint: '/api/auth/step-up', methods: ['totp', 'recoveryCode'], maxAgeSec: 300 } } }

function server(stepUpOk = true) {
  let steppedUp = false
  let status = 'scheduled'
  return fakeApi({
    'GET /api/auth/me': () => ({ status: 200, body: meBody({ totpEnabled: true }) }),
    'GET /api/events/ev1': () => ({ status: 200, body: { id: 'ev1', title: 'Concert', description: '', startsAt: null, free: true, status } }),
    'GET /api/events/ev1/stream-keys': () => ({ status: 200, body: { keys: [KEY] } }),
    'POST /api/auth/step-up': () => {
      steppedUp = stepUpOk
      return stepUpOk ? { status: 200, body: meBody({ csrfToken: 'csrf-2' }) } : { status: 401, body: { error: 'INVALID_TOTP', message: 'that code is wrong or was already used' } }
    },
    'POST /api/events/ev1/stream-keys/key12345/reveal': () => (steppedUp ? { status: 200, body: { key: KEY, streamKey: 'live_SECRETabcd' } } : STEP_UP),
    'POST /api/events/ev1/start': () => {
      status = 'live'
      return { status: 200, body: { event: { id: 'ev1', title: 'Concert', description: '', startsAt: null, free: true, status } } }
    },
    'POST /api/events/ev1/end': () => {
      status = 'ended'
      return { status: 200, body: { event: { id: 'ev1', title: 'Concert', description: '', startsAt: null, free: true, status }, originStopped: true } }
    },
  })
}

describe('Creator console', () => {
  it('shows keys masked; Reveal opens the step-up dialog, then the original request is retried', async () => {
    const f = server()
    restore = f.restore
    render(Creator)
    expect((await screen.findByTestId('key-key12345')).textContent).toBe('live_••••••••abcd')
    const reveal = screen.getByRole('button', { name: 'Reveal key for main' })
    reveal.focus()
    await fireEvent.click(reveal)
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" })
    const code = within(dialog).getByLabelText('Authenticator code')
    expect(document.activeElement).toBe(code)
    await fireEvent.input(code, { target: { value: '123456' } })
    await fireEvent.submit(code.closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByTestId('key-key12345').textContent).toBe('live_SECRETabcd'))
    expect(screen.queryByRole('dialog')).toBeNull()
    const revealCalls = f.calls.filter((c) => c.path.endsWith('/reveal'))
    expect(revealCalls).toHaveLength(2)
    expect(revealCalls[1]?.headers['x-csrf-token']).toBe('csrf-2')
    expect(f.calls.find((c) => c.path === '/api/auth/step-up')?.body).toEqual({ totpCode: '123456' })
  })

  it('a wrong step-up code is announced in the dialog; Escape cancels and returns focus', async () => {
    restore = server(false).restore
    render(Creator)
    const reveal = await screen.findByRole('button', { name: 'Reveal key for main' })
    reveal.focus()
    await fireEvent.click(reveal)
    const dialog = await screen.findByRole('dialog')
    const code = within(dialog).getByLabelText('Authenticator code')
    await fireEvent.input(code, { target: { value: '000000' } })
    await fireEvent.submit(code.closest('form') as HTMLFormElement)
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toContain('wrong'))
    await fireEvent.keyDown(dialog, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(document.activeElement).toBe(reveal)
    expect(screen.getByTestId('key-key12345').textContent).toBe('live_••••••••abcd')
  })

  it('Go live and End stream follow the event status', async () => {
    const f = server()
    restore = f.restore
    render(Creator)
    const live = await screen.findByRole('button', { name: 'Go live' })
    const end = screen.getByRole('button', { name: 'End stream' })
    expect((end as HTMLButtonElement).disabled).toBe(true)
    await fireEvent.click(live)
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('You are live.'))
    expect((screen.getByRole('button', { name: 'End stream' }) as HTMLButtonElement).disabled).toBe(false)
    await fireEvent.click(screen.getByRole('button', { name: 'End stream' }))
    await waitFor(() => expect(screen.getByText('Ended')).toBeTruthy())
    expect(f.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/events/ev1/start', '/api/events/ev1/end'])
  })
})
