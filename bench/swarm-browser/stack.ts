import { startAppServer, startStandInOrigin, startStandInTracker } from './stand-ins.ts'

/**
 * The live stack the browser suites run against: origin + camera, tracker, and the built app with
 * `/api/client-config`, all on ephemeral 127.0.0.1 ports.
 */

/** A running stack. */
export interface LiveStack {
  /** Which implementation serves the stream and the tracker. */
  kind: 'stand-in' | 'real'
  appUrl: string
  originUrl: string
  trackerUrl: string
  event: string
  angles: string[]
  angleLabels: string[]
  /** Announces the tracker has processed. */
  announces(): number
  /** Bytes the origin has served. */
  originEgressBytes(): number
  close(): Promise<void>
}

/** Starts the stack for `seconds` of live media. */
export async function startLiveStack(opts: { appDir: string; seconds: number }): Promise<LiveStack> {
  const origin = await startStandInOrigin({ seconds: opts.seconds })
  const tracker = await startStandInTracker().catch(async (e: unknown) => {
    await origin.close()
    throw e
  })
  const app = await startAppServer({
    root: opts.appDir,
    clientConfig: { originBaseUrl: origin.baseUrl, trackerUrls: [tracker.url], iceServers: [] },
  })
  return {
    kind: 'stand-in',
    appUrl: app.url,
    originUrl: origin.baseUrl,
    trackerUrl: tracker.url,
    event: origin.event,
    angles: origin.angles,
    angleLabels: ['Wide', 'Close-up'],
    announces: tracker.announces,
    originEgressBytes: origin.egressBytes,
    async close() {
      await app.close()
      await tracker.close()
      await origin.close()
    },
  }
}
