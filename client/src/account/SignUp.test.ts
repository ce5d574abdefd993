import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import SignUp from './SignUp.svelte'
import { api } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})

const submit = () => fireEvent.submit(screen.getByRole('button', { name: 'Create account' }).closest('form') as HTMLFormElement)

describe('SignUp', () => {
  it('labels fields, explains the password rule, and refuses short passwords without a request', async () => {
    const f = fakeApi({})
    restore = f.restore
    render(SignUp)
    const pw = screen.getByLabelText('Password')
    expect(pw.getAttribute('aria-describedby')).toContain('signup-password-hint')
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } })
    await fireEvent.input(pw, { target: { value: 'short' } })
    await submit()
    expect(screen.getByRole('alert').textContent).toContain('at least 8 characters')
    expect(document.activeElement).toBe(pw)
    expect(f.calls).toHaveLength(0)
  })

  it('shows the server refusal of a common password', async () => {
    restore = fakeApi({ 'POST /api/auth/register': () => ({ status: 400, body: { error: 'PASSWORD_COMMON', message: 'this password is too common; choose another' } }) }).restore
    render(SignUp)
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } })
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'password1' } })
    await submit()
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('too common'))
  })

  it('registers, signs in and moves on to 2FA setup', async () => {
    const f = fakeApi({ 'POST /api/auth/register': () => ({ status: 202, body: { ok: true, message: 'ok' } }), 'POST /api/auth/login': () => ({ status: 200, body: meBody() }) })
    restore = f.restore
    render(SignUp)
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } })
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'a long passphrase' } })
    await submit()
    await waitFor(() => expect(window.location.pathname).toBe('/account/2fa'))
    expect(f.calls.map((c) => c.path)).toEqual(['/api/auth/register', '/api/auth/login'])
  })
})
