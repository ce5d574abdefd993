import type { Component } from 'svelte'
import { isName } from '../../common/wire/names.ts'

/**
 * The app's tiny path router, pure: `/e/<event>` is the viewer, account paths come from
 * client/src/account/routes.ts, `/` is the landing page.
 */

/** Lazily imported page module. */
export type PageLoader = () => Promise<{ default: Component }>

/** What a path resolves to. */
export type Route =
  | { kind: 'landing' }
  | { kind: 'viewer'; event: string }
  /** `/e/<event>/moderate` (moderator console) and `/e/<event>/overlay` (OBS browser source). */
  | { kind: 'event-page'; event: string; page: EventPage }
  | { kind: 'page'; path: string; load: PageLoader }
  | { kind: 'not-found'; path: string }

/** Pages under an event's path. */
export type EventPage = 'moderate' | 'overlay'

// The segment after /e/ must follow the name rule (common/wire/names.ts).
const EVENT_RE = /^\/e\/([^/]+)\/?$/
const EVENT_PAGE_RE = /^\/e\/([^/]+)\/(moderate|overlay)\/?$/

/** Resolves a pathname against the fixed routes and the registered page routes. */
export function resolveRoute(pathname: string, pages: Readonly<Record<string, PageLoader>>): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  if (path === '/' || path === '') return { kind: 'landing' }
  const m = EVENT_RE.exec(pathname)
  if (m?.[1] !== undefined && isName(m[1])) return { kind: 'viewer', event: m[1] }
  const sub = EVENT_PAGE_RE.exec(pathname)
  if (sub?.[1] !== undefined && isName(sub[1])) return { kind: 'event-page', event: sub[1], page: sub[2] === 'overlay' ? 'overlay' : 'moderate' }
  const load = Object.hasOwn(pages, path) ? pages[path] : undefined
  if (load) return { kind: 'page', path, load }
  return { kind: 'not-found', path }
}
