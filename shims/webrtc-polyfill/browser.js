// Browser: the platform's own WebRTC. Same named exports as upstream webrtc-polyfill.
const scope = typeof window !== 'undefined' ? window : self
export const RTCPeerConnection = scope.RTCPeerConnection
export const RTCSessionDescription = scope.RTCSessionDescription
export const RTCIceCandidate = scope.RTCIceCandidate
export const RTCDataChannel = scope.RTCDataChannel
export const MediaStream = scope.MediaStream
export const MediaStreamTrack = scope.MediaStreamTrack
export const RTCPeerConnectionIceEvent = scope.RTCPeerConnectionIceEvent
export const RTCDataChannelEvent = scope.RTCDataChannelEvent
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel, MediaStream, MediaStreamTrack }
