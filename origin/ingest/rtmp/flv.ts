/** FLV container pieces for remuxing RTMP media into ffmpeg's `-f flv` input. Pure. */

/** FLV tag types, equal to the RTMP message types they carry. */
export const FLV_AUDIO = 8
export const FLV_VIDEO = 9
export const FLV_SCRIPT = 18

/** The 9-byte FLV header (audio+video flags) followed by PreviousTagSize0. */
export function flvHeader(): Uint8Array {
  return Uint8Array.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])
}

/** One FLV tag plus its trailing PreviousTagSize. `timestamp` is in ms (32-bit). */
export function flvTag(type: number, timestamp: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(11 + data.length + 4)
  const v = new DataView(out.buffer)
  out[0] = type
  out[1] = (data.length >> 16) & 255
  out[2] = (data.length >> 8) & 255
  out[3] = data.length & 255
  out[4] = (timestamp >> 16) & 255
  out[5] = (timestamp >> 8) & 255
  out[6] = timestamp & 255
  out[7] = (timestamp >>> 24) & 255
  out.set(data, 11)
  v.setUint32(11 + data.length, 11 + data.length)
  return out
}

/** True for an AVC/HEVC sequence header (decoder configuration) video tag body. */
export function isVideoSequenceHeader(body: Uint8Array): boolean {
  return body.length >= 2 && ((body[0] as number) & 0x0f) === 7 && body[1] === 0
}

/** True for an AAC sequence header (AudioSpecificConfig) audio tag body. */
export function isAudioSequenceHeader(body: Uint8Array): boolean {
  return body.length >= 2 && (body[0] as number) >> 4 === 10 && body[1] === 0
}

/** True for a video tag body that starts with a keyframe. */
export function isKeyframe(body: Uint8Array): boolean {
  return body.length >= 1 && (body[0] as number) >> 4 === 1
}
