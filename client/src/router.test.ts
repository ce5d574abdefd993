import { describe, expect, it } from 'vitest'
import { resolveRoute, type PageLoader } from './router.ts'

const load: PageLoader = () => Promise.reject(new Error('not loaded in this test'))
const pages = { '/signin': load }

describe('resolveRoute', () => {
  it.each([
    ['/', { kind: 'landing' }],
    ['/e/demo', { kind: 'viewer', event: 'demo' }],
    ['/e/demo/', { kind: 'viewer', event: 'demo' }],
    ['/e/demo/moderate', { kind: 'event-page', event: 'demo', page: 'moderate' }],
    ['/e/demo/overlay/', { kind: 'event-page', event: 'demo', page: 'overlay' }],
    ['/e/demo/other', { kind: 'not-found', path: '/e/demo/other' }],
    ['/e/bad%20id/moderate', { kind: 'not-found', path: '/e/bad%20id/moderate' }],
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
