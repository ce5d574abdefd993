import type { Component } from 'svelte'

/**
 * Account and console pages that the app router mounts, keyed by path (e.g. `/signin`).
 * Filled in by the accounts work; the router reads it and needs no change when pages are added.
 */
export const accountRoutes: Record<string, () => Promise<{ default: Component }>> = {
  '/signup': () => import('./SignUp.svelte'),
  '/signin': () => import('./SignIn.svelte'),
  '/account/2fa': () => import('./TotpEnroll.svelte'),
  '/account/sessions': () => import('./Sessions.svelte'),
  '/creator': () => import('./Creator.svelte'),
}
