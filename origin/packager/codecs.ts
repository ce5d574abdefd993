/**
 * RFC 6381 codec strings for the multivariant playlist's CODECS attribute, derived from the init
 * section's decoder configuration records.
 */

const hex2 = (n: number): string => n.toString(16).padStart(2, '0')

/**
 * `avc1.PPCCLL` from an `avcC` payload (AVCDecoderConfigurationRecord): profile_idc,
 * profile compatibility and level_idc are bytes 1–3. Empty when the record is too short.
 */
export function codecFromAvcC(entryType: string, avcC: Uint8Array): string {
  if (avcC.byteLength < 4) return ''
  return `${entryType}.${hex2(avcC[1] ?? 0)}${hex2(avcC[2] ?? 0)}${hex2(avcC[3] ?? 0)}`
}

interface Descriptor {
  tag: number
  body: Uint8Array
}

function readDescriptor(bytes: Uint8Array, at: number): { d: Descriptor; next: number } | undefined {
  const tag = bytes[at]
  if (tag === undefined) return undefined
  let len = 0
  let p = at + 1
  // Expandable size: up to four bytes, 7 bits each, high bit means "more".
  for (let i = 0; i < 4; i++) {
    const b = bytes[p++]
    if (b === undefined) return undefined
    len = (len << 7) | (b & 0x7f)
    if ((b & 0x80) === 0) break
  }
  if (p + len > bytes.byteLength) return undefined
  return { d: { tag, body: bytes.subarray(p, p + len) }, next: p + len }
}

function findDescriptor(bytes: Uint8Array, from: number, tag: number): Descriptor | undefined {
  let at = from
  while (at < bytes.byteLength) {
    const r = readDescriptor(bytes, at)
    if (r === undefined) return undefined
    if (r.d.tag === tag) return r.d
    at = r.next
  }
  return undefined
}

/**
 * `mp4a.OO.A` from an `esds` payload (after its full-box header): the object type indication of the
 * DecoderConfigDescriptor and, for MPEG-4 audio (0x40), the audio object type from the
 * AudioSpecificConfig. Empty when the descriptors cannot be read.
 */
export function codecFromEsds(esds: Uint8Array): string {
  const es = findDescriptor(esds, 0, 0x03)
  if (es === undefined || es.body.byteLength < 3) return ''
  const esFlags = es.body[2] ?? 0
  let at = 3
  if (esFlags & 0x80) at += 2
  if (esFlags & 0x40) at += 1 + (es.body[at] ?? 0)
  if (esFlags & 0x20) at += 2
  const dc = findDescriptor(es.body, at, 0x04)
  if (dc === undefined || dc.body.byteLength < 13) return ''
  const oti = dc.body[0] ?? 0
  if (oti !== 0x40) return `mp4a.${hex2(oti)}`
  const dsi = findDescriptor(dc.body, 13, 0x05)
  if (dsi === undefined || dsi.body.byteLength < 1) return 'mp4a.40.2'
  const b0 = dsi.body[0] ?? 0
  let aot = b0 >> 3
  if (aot === 31) aot = 32 + (((b0 & 0x07) << 3) | ((dsi.body[1] ?? 0) >> 5))
  return `mp4a.40.${aot}`
}
