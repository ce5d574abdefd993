/** The origin's admin API, as the engagement service uses it. */
export interface OriginAdmin {
  /** Asks the origin to stop ingest for an event and end its playlists; false when it did not confirm. */
  endStream(event: string): Promise<boolean>
}

/** HTTP client for `POST <baseUrl>/admin/streams/end` with a bearer token; gives up after `timeoutMs`. */
export function createOriginAdmin(baseUrl: string, token: string, timeoutMs = 1500): OriginAdmin {
  return {
    async endStream(event) {
      try {
        const res = await fetch(new URL('/admin/streams/end', baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ event }),
          signal: AbortSignal.timeout(timeoutMs),
        })
        await res.body?.cancel()
        return res.ok
      } catch {
        return false
      }
    },
  }
}
