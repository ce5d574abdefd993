import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import SignIn from './SignIn.svelte'
import { api } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})

async function fill(): Promise<void> {
  await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } })
  await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'correct horse battery' } })
}

describe('SignIn', () => {
  it('asks for the 2FA code when the account has it, focuses it, and sends it', async () => {
    const f = fakeApi({
      'POST /api/auth/login': (c) =>
        (c.body as { totpCode?: string }).totpCode === '123456' ? { status: 200, body: meBody({ totpEnabled: true }) } : { status: 401, body: { error: 'TOTP_REQUIRED', message: 'enter the code' } },
    })
    restore = f.restore
    render(SignIn)
    await fill()
    await fireEvent.click(screen.getByLabelText('Keep me signed in'))
    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form') as HTMLFormElement)
    const code = await screen.findByLabelText('Code from your authenticator app')
    expect(document.activeElement).toBe(code)
    await fireEvent.input(code, { target: { value: '123456' } })
    await fireEvent.submit(code.closest('form') as HTMLFormElement)
    await waitFor(() => expect(window.location.pathname).toBe('/account/sessions'))
    expect(f.calls.at(-1)?.body).toEqual({ email: 'a@example.test', password: 'correct horse battery', remember: true, totpCode: '123456' })
    expect(window.location.pathname).toBe('/account/sessions')
  })

  it('announces errors in an alert region', async () => {
    restore = fakeApi({ 'POST /api/auth/login': () => ({ status: 401, body: { error: 'INVALID_CREDENTIALS', message: 'wrong email or password' } }) }).restore
    render(SignIn)
    await fill()
    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Wrong email or password.'))
  })

  it('explains throttling with the wait time', async () => {
    restore = fakeApi({ 'POST /api/auth/login': () => ({ status: 429, body: { error: 'TOO_MANY_ATTEMPTS', message: 'too many', retryAfterSec: 60 } }) }).restore
    render(SignIn)
    await fill()
    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('60 seconds'))
  })
})
