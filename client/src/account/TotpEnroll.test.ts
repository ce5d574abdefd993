import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import TotpEnroll from './TotpEnroll.svelte'
import { api } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})
const CODES = Array.from({ length: 10 }, (_, i) => `aaaaa-bbbbb-cccc${i}`)

describe('TotpEnroll', () => {
  it('shows the QR code, the secret and 10 recovery codes, then confirms with a code', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'POST /api/auth/totp/enroll': () => ({ status: 200, body: { otpauthUrl: 'otpauth://totp/x', qrDataUrl: 'data:image/png;base64,AAAA', secret: 'JBSWY3DPEHPK3PXP', recoveryCodes: CODES } }),
      'POST /api/auth/totp/confirm': (c) =>
        (c.body as { totpCode: string }).totpCode === '654321' ? { status: 200, body: meBody({ totpEnabled: true }) } : { status: 400, body: { error: 'INVALID_TOTP', message: 'that code is wrong' } },
    })
    restore = f.restore
    render(TotpEnroll)
    await fireEvent.click(screen.getByRole('button', { name: 'Set up two-factor authentication' }))
    await screen.findByAltText('QR code for your authenticator app')
    expect(screen.getByAltText('QR code for your authenticator app').getAttribute('src')).toBe('data:image/png;base64,AAAA')
    expect(screen.getByText('JBSWY3DPEHPK3PXP')).toBeTruthy()
    expect(screen.getByRole('list', { name: 'Recovery codes' }).querySelectorAll('li')).toHaveLength(10)
    expect(document.activeElement?.textContent).toBe('1. Scan this code')
    const code = screen.getByLabelText('Code from your authenticator app')
    // The browser validates the field before submit: a six-digit code must match its pattern.
    const pattern = new RegExp(`^(?:${code.getAttribute('pattern') ?? ''})$`)
    expect(pattern.test('123456')).toBe(true)
    expect(pattern.test('12345')).toBe(false)
    await fireEvent.input(code, { target: { value: '111111' } })
    await fireEvent.submit(code.closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('That code is wrong or was already used. Check the time on your device.'))
    await fireEvent.input(code, { target: { value: '654321' } })
    await fireEvent.submit(code.closest('form') as HTMLFormElement)
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Two-factor authentication is on.'))
  })
})
