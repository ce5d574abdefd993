/**
 * Data structures of the swarm core and the cell-placement rule.
 *
 * A swarm (one info_hash in one namespace) is split into cells of at most `cellMaxPeers`; offers
 * only travel inside a cell. A joining peer goes to the cell its locality last filled if that has
 * room, else to the fullest cell with room (so small swarms stay whole), else to a new cell. At
 * scale, cells therefore fill locality by locality.
 */

/** One WebSocket connection; it may hold many peer_ids in many swarms. */
export class Conn {
  readonly peers: Peer[] = []
  constructor(
    readonly id: number,
    readonly namespace: string,
    readonly locality: string,
  ) {}
}

/** One membership: a peer_id in one swarm, reachable over `conn`. */
export class Peer {
  /** Position in `cell.peers`, kept for O(1) removal. */
  index = -1
  constructor(
    readonly peerId: string,
    public conn: Conn,
    readonly cell: Cell,
    public seenSec: number,
  ) {}
}

/** A bounded group of peers that exchange offers. */
export class Cell {
  readonly peers: Peer[] = []
  constructor(readonly swarm: Swarm) {}
}

/** All cells of one info_hash in one namespace. */
export class Swarm {
  readonly byPeerId = new Map<string, Peer>()
  readonly cells: Cell[] = []
  /** The cell each locality is currently filling. */
  readonly localityCell = new Map<string, Cell>()
  constructor(
    readonly key: string,
    readonly infoHash: string,
    readonly namespace: string,
  ) {}
}

/** Chooses (or creates) the cell a peer of `locality` joins. */
export function pickCell(swarm: Swarm, locality: string, cellMaxPeers: number): { cell: Cell; created: boolean } {
  const preferred = swarm.localityCell.get(locality)
  if (preferred !== undefined && preferred.peers.length < cellMaxPeers) return { cell: preferred, created: false }
  let best: Cell | undefined
  for (const cell of swarm.cells) {
    if (cell.peers.length < cellMaxPeers && (best === undefined || cell.peers.length > best.peers.length)) best = cell
  }
  const created = best === undefined
  const cell = best ?? new Cell(swarm)
  if (created) swarm.cells.push(cell)
  swarm.localityCell.set(locality, cell)
  return { cell, created }
}

/** Appends a peer to its cell. */
export function addToCell(cell: Cell, peer: Peer): void {
  peer.index = cell.peers.length
  cell.peers.push(peer)
}

/** Removes a peer from its cell; returns true when the cell became empty and was dropped. */
export function removeFromCell(cell: Cell, peer: Peer): boolean {
  const last = cell.peers.pop()
  if (last !== undefined && last !== peer) {
    cell.peers[peer.index] = last
    last.index = peer.index
  }
  peer.index = -1
  if (cell.peers.length > 0) return false
  const swarm = cell.swarm
  const i = swarm.cells.indexOf(cell)
  if (i >= 0) {
    const lastCell = swarm.cells.pop() as Cell
    if (lastCell !== cell) swarm.cells[i] = lastCell
  }
  for (const [loc, c] of swarm.localityCell) if (c === cell) swarm.localityCell.delete(loc)
  return true
}
