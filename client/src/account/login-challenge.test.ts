import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import SignIn from './SignIn.svelte'
import { api, solveChallenge } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})

const zeroBits = (text: string): number => {
  const d = createHash('sha256').update(text).digest()
  let n = 0
  for (const b of d) {
    if (b !== 0) return n + Math.clz32(b) - 24
    n += 8
  }
  return n
}
const challenge = { challengeId: 'c'.repeat(24), difficulty: 10, algorithm: 'sha256-leading-zero-bits', expiresInSec: 300 }

describe('sign-in challenge (account under attack)', () => {
  it('solveChallenge finds a nonce the server accepts (same hash, checked independently)', async () => {
    const s = await solveChallenge(challenge)
    expect(s?.challengeId).toBe(challenge.challengeId)
    expect(zeroBits(`${challenge.challengeId}:${s?.nonce ?? ''}`)).toBeGreaterThanOrEqual(10)
    expect(await solveChallenge({ ...challenge, algorithm: 'md5' })).toBeNull()
  })

  it('SignIn solves the challenge by itself, says so politely, and signs in with the solution', async () => {
    const f = fakeApi({
      'POST /api/auth/login': (c) => {
        const sent = (c.body as { challenge?: { challengeId: string; nonce: string } }).challenge
        if (sent !== undefined && zeroBits(`${sent.challengeId}:${sent.nonce}`) >= challenge.difficulty) return { status: 200, body: meBody({}) }
        return { status: 401, body: { error: 'CHALLENGE_REQUIRED', message: 'solve it', challenge } }
      },
    })
    restore = f.restore
    render(SignIn)
    expect(screen.getByRole('status').getAttribute('aria-live')).toBe('polite')
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'a@example.test' } })
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'correct horse battery' } })
    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form') as HTMLFormElement)
    await waitFor(() => expect(window.location.pathname).toBe('/account/sessions'))
    expect(f.calls).toHaveLength(2)
    expect(f.calls[1]?.body).toMatchObject({ email: 'a@example.test', password: 'correct horse battery', challenge: { challengeId: challenge.challengeId } })
    expect(screen.getByRole('alert').textContent).toBe('')
  })
})
