/**
 * Who seeds a segment from HTTP. Rendezvous hashing over the viewer's own peer id and its connected
 * peers: the `seeders` ids with the lowest hash of (id, segment) fetch it from the origin as soon as it
 * appears; everyone else waits for it from peers. In a full mesh exactly `seeders` viewers agree; in a
 * partial mesh each neighbourhood picks its own, so roughly 1/(degree+1) of viewers seed each segment.
 */

/** 32-bit FNV-1a of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // Final avalanche so ids that differ in one character still spread.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  return h >>> 0
}

/** True when `selfId` is among the `seeders` lowest-scoring ids for `segmentKey`. */
export function isSeeder(selfId: string, peerIds: Iterable<string>, segmentKey: string, seeders: number): boolean {
  if (seeders <= 0) return false
  const mine = fnv1a(`${selfId}|${segmentKey}`)
  let lower = 0
  for (const id of peerIds) {
    if (id === selfId) continue
    const score = fnv1a(`${id}|${segmentKey}`)
    // Ties broken by id so every viewer reaches the same order.
    if (score < mine || (score === mine && id < selfId)) {
      lower++
      if (lower >= seeders) return false
    }
  }
  return true
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A 20-character WebTorrent peer id (`-SS0100-` + 12 random characters). Passed as p2p-media-loader's
 * `trackerClientVersionPrefix`, it becomes the exact peer id, so this viewer knows the id peers see.
 */
export function makePeerId(random: () => number = Math.random): string {
  let id = '-SS0100-'
  while (id.length < 20) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)] ?? 'A'
  return id
}
