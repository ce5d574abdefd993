// The playback-session answer: one viewer's placement on a tracker cell (createPlaybackSession).
import { Type, type Static } from 'typebox'
import { IceServer } from './client-config.ts'

/** Answer of `createPlaybackSession`. */
export const PlaybackSessionView = Type.Object({
  playbackSessionId: Type.String({ description: 'Random id of this playback session (the viewer key of anonymous viewers)' }),
  originBaseUrl: Type.String({ description: 'LL-HLS origin base URL' }),
  trackerUrl: Type.String({ description: 'The only announce URL: ws(s)://tracker/e/<event>?token=<JWT>' }),
  swarmId: Type.String({ description: "p2p-media-loader core swarmId of the viewer's cell" }),
  cell: Type.String({ description: 'event/locality/bucket' }),
  trackerToken: Type.String({ description: "The admission token in trackerUrl ('' when none is issued)" }),
  expiresAt: Type.String({ format: 'date-time', description: 'When the token expires; ask for a new session before' }),
  iceServers: Type.Array(IceServer),
})
export type PlaybackSessionView = Static<typeof PlaybackSessionView>
