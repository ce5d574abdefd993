// Node: WebRTC from @roamhq/wrtc. Same named exports as upstream webrtc-polyfill.
import { createRequire } from 'node:module'
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc')
export const RTCPeerConnection = wrtc.RTCPeerConnection
export const RTCSessionDescription = wrtc.RTCSessionDescription
export const RTCIceCandidate = wrtc.RTCIceCandidate
export const RTCDataChannel = wrtc.RTCDataChannel
export const MediaStream = wrtc.MediaStream
export const MediaStreamTrack = wrtc.MediaStreamTrack
export const RTCPeerConnectionIceEvent = wrtc.RTCPeerConnectionIceEvent
export const RTCDataChannelEvent = wrtc.RTCDataChannelEvent
export default wrtc
