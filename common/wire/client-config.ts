// Delivery endpoints the viewer app asks for: `GET /api/client-config` and the ICE servers that playback sessions carry too.
import { Type, type Static } from 'typebox'

/** One STUN/TURN server, in the shape of the browser's RTCIceServer. */
export const IceServer = Type.Object({ urls: Type.Union([Type.String(), Type.Array(Type.String())]), username: Type.Optional(Type.String()), credential: Type.Optional(Type.String()) })
export type IceServer = Static<typeof IceServer>

/** Answer of `clientConfig`. */
export const ClientConfig = Type.Object({
  /** Base URL of the LL-HLS origin, no trailing slash (`http://host:8081`). */
  originBaseUrl: Type.String(),
  /** WebTorrent tracker URLs (`ws://host:8000`). */
  trackerUrls: Type.Array(Type.String()),
  /** STUN/TURN servers for WebRTC. */
  iceServers: Type.Array(IceServer),
  /**
   * Base URL of the real-time gateway (`ws://host:8082`); sockets go to `<realtimeUrl>/v1/events/<eventId>`.
   * The engagement service always sends it; optional for the app's static-server fallback.
   */
  realtimeUrl: Type.Optional(Type.String()),
})
export type ClientConfig = Static<typeof ClientConfig>
