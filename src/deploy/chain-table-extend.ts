/**
 * New chains for storage nodes added to a live cluster. The chains already uploaded stay exactly as they
 * are (3FS's mgmtd keeps every chain of a table version it once stored, and a new version of table 1 is
 * the list of old plus new chain ids: SetChainTableOperation.cc:35-85 at ee9a5ce). 3FS moves no existing
 * chunk onto the new targets; files created after the upload spread over the new version's chains.
 *
 * With at least RF new nodes, the new chains are laid over the new nodes alone by the same generator
 * as a first deploy. With fewer (1 node added to an RF 3 cluster), a chain cannot sit on new nodes
 * only: each new target leads a chain whose other RF-1 replicas are new targets on the nodes holding
 * the fewest targets on that disk so far, so existing nodes each get a few more targets (created with
 * new ids; none of their existing targets changes).
 */
import {
  chainId,
  ChainTableError,
  generateChainTable,
  targetId,
  type Chain,
  type ChainTable,
  type ChainTableInput,
  type PlacedTarget,
} from './chain-table.js'

export interface ExtendInput extends Omit<ChainTableInput, 'nodeIds'> {
  /** Every target and chain uploaded so far (all earlier generations). */
  existing: ChainTable
  /** Storage node ids already holding targets. */
  oldNodeIds: number[]
  newNodeIds: number[]
}

/** The 1-based index of a chain within its disk (chainId = (prefix*1e3 + disk+1)*1e5 + index). */
function chainIndex(id: number): number {
  return id % 100_000
}

/** The 0-based slot of a target on its node's disk (targetId ends in slot+1 over two digits). */
function targetSlot(id: number): number {
  return (id % 100) - 1
}

export function extendChainTable(input: ExtendInput): ChainTable {
  const {existing, oldNodeIds, newNodeIds, disksPerNode, targetsPerDisk, replicationFactor: rf} = input
  if (newNodeIds.length === 0) return {targets: [], chains: []}
  const all = [...oldNodeIds, ...newNodeIds]
  if (new Set(all).size !== all.length) throw new ChainTableError('storage node ids must be unique')
  if (rf > all.length) throw new ChainTableError(`replicationFactor ${rf} needs ${rf} storage nodes`)
  const lastIndex = new Array<number>(disksPerNode).fill(0)
  for (const target of existing.targets)
    lastIndex[target.diskIndex] = Math.max(lastIndex[target.diskIndex] ?? 0, chainIndex(target.chainId))

  if (newNodeIds.length >= rf && (newNodeIds.length * targetsPerDisk) % rf === 0) {
    // Renumber the generator's chains after the last chain index of each disk.
    const fresh = generateChainTable({...input, nodeIds: newNodeIds})
    const renumber = new Map<number, number>()
    for (const chain of fresh.chains) {
      const disk = (Math.floor(chain.chainId / 100_000) % 1_000) - 1
      renumber.set(chain.chainId, chainId(input.chainIdPrefix, disk, lastIndex[disk]! + chainIndex(chain.chainId)))
    }
    return {
      targets: fresh.targets.map((target) => ({...target, chainId: renumber.get(target.chainId)!})),
      chains: fresh.chains.map((chain) => ({...chain, chainId: renumber.get(chain.chainId)!})),
    }
  }

  const targets: PlacedTarget[] = []
  const chains: Chain[] = []
  for (let disk = 0; disk < disksPerNode; disk++) {
    const load = new Map<number, number>(all.map((node) => [node, 0]))
    const nextSlot = new Map<number, number>(all.map((node) => [node, 0]))
    for (const target of existing.targets.filter((entry) => entry.diskIndex === disk)) {
      load.set(target.nodeId, (load.get(target.nodeId) ?? 0) + 1)
      nextSlot.set(target.nodeId, Math.max(nextSlot.get(target.nodeId) ?? 0, targetSlot(target.targetId) + 1))
    }
    const place = (node: number, chain: number): number => {
      const slot = nextSlot.get(node)!
      if (slot > 98) throw new ChainTableError(`storage node ${node} would need more than 99 targets on disk ${disk}`)
      nextSlot.set(node, slot + 1)
      load.set(node, load.get(node)! + 1)
      const id = targetId(input.targetIdPrefix, node, disk, slot)
      targets.push({targetId: id, nodeId: node, diskIndex: disk, chainId: chain})
      return id
    }
    let index = lastIndex[disk]!
    // Slot-major, so that consecutive chains are led by different new nodes.
    for (let slot = 0; slot < targetsPerDisk; slot++) {
      for (const lead of newNodeIds) {
        const id = chainId(input.chainIdPrefix, disk, ++index)
        const members = [lead]
        const chain: Chain = {chainId: id, targets: [place(lead, id)]}
        while (members.length < rf) {
          // The least-loaded node not yet in this chain (lowest id on a tie, so the result is deterministic).
          const pick = all
            .filter((node) => !members.includes(node))
            .sort((a, b) => load.get(a)! - load.get(b)! || a - b)[0]!
          members.push(pick)
          chain.targets.push(place(pick, id))
        }
        chains.push(chain)
      }
    }
    if (index > 99_999) throw new ChainTableError(`disk ${disk} would need more than 99999 chains`)
  }
  return {targets, chains}
}
