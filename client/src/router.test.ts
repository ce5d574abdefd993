import { describe, expect, it } from 'vitest'
import { resolveRoute, type PageLoader } from './router.ts'

const load: PageLoader = () => Promise.reject(new Error('not loaded in this test'))
const pages = { '/signin': load }

describe('resolveRoute', () => {
  it.each([
    ['/', { kind: 'landing' }],
    ['/e/demo', { kind: 'viewer', event: 'demo' }],
    ['/e/demo/', { kind: 'viewer', event: 'demo' }],
    ['/e/with space', { kind: 'not-found', path: '/e/with space' }],
    ['/e/', { kind: 'not-found', path: '/e' }],
    ['/nope', { kind: 'not-found', path: '/nope' }],
    ['/constructor', { kind: 'not-found', path: '/constructor' }],
  ])('%s', (path, want) => {
    expect(resolveRoute(path, pages)).toEqual(want)
  })

  it('account paths resolve to their lazy page', () => {
    expect(resolveRoute('/signin/', pages)).toEqual({ kind: 'page', path: '/signin', load })
  })
})
