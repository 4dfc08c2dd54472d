/**
 * Chain tables for replicated chains (CR), in TypeScript, without 3FS's Python solver (which needs Pyomo
 * and crashes on one node with RF 1, 3FS #416). Ids follow 3FS's generator so tables look familiar:
 *   target = ((targetIDPrefix*1e6 + nodeId)*1e3 + disk+1)*100 + slot+1
 *   chain  = (chainIDPrefix*1e3 + disk+1)*1e5 + index (1-based, per disk)
 * Chains never span disk indexes. Within one disk index every node contributes targetNumPerDisk
 * targets; they are cut into chains of RF consecutive positions of a node sequence, so the replicas of a
 * chain always sit on RF distinct nodes (RF <= nodes). Each block of positions is laid over the nodes
 * through a different affine permutation (x*m + b mod N, m coprime to N), so that a node's chain peers
 * spread over the cluster instead of being always its RF-1 neighbours: when a node fails, recovery reads
 * come from many nodes. Every node holds the same number of targets on each disk, and head (first)
 * replicas are spread evenly too: each chain is led by its member with the fewest heads so far.
 */

export interface ChainTableInput {
  /** Storage node ids (3FS node ids, e.g. 10001..) in cluster.yml order. */
  nodeIds: number[]
  disksPerNode: number
  targetsPerDisk: number
  replicationFactor: number
  targetIdPrefix: number
  chainIdPrefix: number
}

export interface PlacedTarget {
  targetId: number
  nodeId: number
  diskIndex: number
  chainId: number
}

export interface Chain {
  chainId: number
  /** Target ids, head first. */
  targets: number[]
}

export interface ChainTable {
  targets: PlacedTarget[]
  chains: Chain[]
}

export class ChainTableError extends Error {}

export function targetId(prefix: number, nodeId: number, diskIndex: number, slot: number): number {
  return ((prefix * 1_000_000 + nodeId) * 1_000 + diskIndex + 1) * 100 + slot + 1
}

export function chainId(prefix: number, diskIndex: number, index: number): number {
  return (prefix * 1_000 + diskIndex + 1) * 100_000 + index
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

export function generateChainTable(input: ChainTableInput): ChainTable {
  const {nodeIds, disksPerNode, targetsPerDisk, replicationFactor: rf} = input
  const n = nodeIds.length
  if (n === 0) throw new ChainTableError('no storage nodes')
  if (rf < 1 || rf > n) throw new ChainTableError(`replicationFactor ${rf} needs 1 to ${n} storage nodes`)
  if ((n * targetsPerDisk) % rf !== 0)
    throw new ChainTableError(`${n} nodes x ${targetsPerDisk} targets per disk do not divide into chains of ${rf}`)
  if (targetsPerDisk > 99 || disksPerNode > 998)
    throw new ChainTableError('at most 99 targets per disk and 998 disks per node')
  if (new Set(nodeIds).size !== n) throw new ChainTableError('storage node ids must be unique')
  const multipliers = Array.from({length: n}, (_, index) => index + 1).filter((m) => gcd(m, n) === 1)
  const targets: PlacedTarget[] = []
  const chains: Chain[] = []
  // Heads (the replica writes go to first) so far per node position: each chain is led by its least-loaded member.
  const heads = new Array<number>(n).fill(0)
  for (let disk = 0; disk < disksPerNode; disk++) {
    // Positions 0 .. n*T-1; block b covers positions b*n .. b*n+n-1 and visits every node once.
    const nextSlot = new Array<number>(n).fill(0)
    const sequence: number[] = []
    for (let block = 0; block < targetsPerDisk; block++) {
      const m = multipliers[block % multipliers.length]!
      const shift = (block + disk) % n
      for (let x = 0; x < n; x++) sequence.push((x * m + shift) % n)
    }
    // Chains take RF consecutive positions. Where a chain crosses a block boundary, a node could repeat:
    // repair by swapping with a later position of the sequence that keeps both chains distinct.
    for (let start = 0; start < sequence.length; start += rf) repairChain(sequence, start, rf)
    let index = 0
    for (let start = 0; start < sequence.length; start += rf) {
      const id = chainId(input.chainIdPrefix, disk, ++index)
      const members = sequence.slice(start, start + rf)
      const chain: Chain = {chainId: id, targets: []}
      for (const node of members) {
        const slot = nextSlot[node]!++
        const target = targetId(input.targetIdPrefix, nodeIds[node]!, disk, slot)
        targets.push({targetId: target, nodeId: nodeIds[node]!, diskIndex: disk, chainId: id})
        chain.targets.push(target)
      }
      // The chain order rotated so that its least-loaded member leads (membership and target ids unchanged).
      let lead = 0
      for (let k = 1; k < rf; k++) if (heads[members[k]!]! < heads[members[lead]!]!) lead = k
      heads[members[lead]!]!++
      chain.targets = [...chain.targets.slice(lead), ...chain.targets.slice(0, lead)]
      chains.push(chain)
    }
  }
  return {targets, chains}
}

function repairChain(sequence: number[], start: number, rf: number): void {
  for (let i = start; i < start + rf; i++) {
    const before = new Set(sequence.slice(start, i))
    if (!before.has(sequence[i]!)) continue
    // Find a later position j whose node is new to this chain, and whose own chain takes sequence[i] without a repeat.
    for (let j = start + rf; j < sequence.length; j++) {
      const candidate = sequence[j]!
      if (before.has(candidate) || sequence.slice(i + 1, start + rf).includes(candidate)) continue
      const otherStart = j - ((j - start) % rf)
      const other = sequence.slice(otherStart, otherStart + rf).filter((_, k) => otherStart + k !== j)
      if (other.includes(sequence[i]!)) continue
      ;[sequence[i], sequence[j]] = [sequence[j]!, sequence[i]!]
      break
    }
  }
}

/** `upload-chains` input: header ChainId,TargetId,... then one line per chain. */
export function chainsCsv(table: ChainTable): string {
  const width = table.chains.reduce((widest, chain) => Math.max(widest, chain.targets.length), 0)
  return (
    [
      `ChainId,${Array<string>(width).fill('TargetId').join(',')}`,
      ...table.chains.map((chain) => `${chain.chainId},${chain.targets.join(',')}`),
    ].join('\n') + '\n'
  )
}

/** `upload-chain-table` input: header ChainId then one chain per line. */
export function chainTableCsv(table: ChainTable): string {
  return ['ChainId', ...table.chains.map((chain) => String(chain.chainId))].join('\n') + '\n'
}

/** admin_cli commands creating every target, one per line (fed to admin_cli on stdin, outputs checked). */
export function createTargetCommands(table: ChainTable): string[] {
  return table.targets.map(
    (target) =>
      `create-target --node-id ${target.nodeId} --disk-index ${target.diskIndex} --target-id ${target.targetId} --chain-id ${target.chainId} --use-new-chunk-engine`,
  )
}
