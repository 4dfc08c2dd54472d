/** Chain table generation: replicas on distinct nodes, equal shares per node and disk, spread peers, at any scale. */
import {createHash} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {
  chainId,
  chainsCsv,
  chainTableCsv,
  ChainTableError,
  createTargetCommands,
  generateChainTable,
  targetId,
} from '../../src/deploy/chain-table.js'

function layout(nodes: number, disks: number, targets: number, rf: number) {
  return generateChainTable({
    nodeIds: Array.from({length: nodes}, (_, index) => 10001 + index),
    disksPerNode: disks,
    targetsPerDisk: targets,
    replicationFactor: rf,
    targetIdPrefix: 1,
    chainIdPrefix: 9,
  })
}

function checkInvariants(nodes: number, disks: number, targets: number, rf: number) {
  const table = layout(nodes, disks, targets, rf)
  const byId = new Map(table.targets.map((target) => [target.targetId, target]))
  expect(table.targets).toHaveLength(nodes * disks * targets)
  expect(table.chains).toHaveLength((nodes * disks * targets) / rf)
  expect(new Set(table.targets.map((target) => target.targetId)).size).toBe(table.targets.length)
  expect(new Set(table.chains.map((chain) => chain.chainId)).size).toBe(table.chains.length)
  const perNodeDisk = new Map<string, number>()
  const heads = new Map<number, number>()
  for (const chain of table.chains) {
    const members = chain.targets.map((id) => byId.get(id)!)
    expect(members).toHaveLength(rf)
    expect(new Set(members.map((target) => target.nodeId)).size).toBe(rf) // replicas on distinct nodes
    expect(new Set(members.map((target) => target.diskIndex)).size).toBe(1) // a chain stays on one disk index
    expect(members.every((target) => target.chainId === chain.chainId)).toBe(true)
    heads.set(members[0]!.nodeId, (heads.get(members[0]!.nodeId) ?? 0) + 1)
  }
  for (const target of table.targets)
    perNodeDisk.set(
      `${target.nodeId}/${target.diskIndex}`,
      (perNodeDisk.get(`${target.nodeId}/${target.diskIndex}`) ?? 0) + 1,
    )
  expect(perNodeDisk.size).toBe(nodes * disks)
  expect([...perNodeDisk.values()].every((count) => count === targets)).toBe(true) // equal share per node and disk
  // Heads (where writes go first) spread over every node: at most 2 apart, nodes with none counted.
  const headCounts = Array.from({length: nodes}, (_, index) => heads.get(10001 + index) ?? 0)
  expect(
    Math.max(...headCounts) - Math.min(...headCounts),
    `heads per node ${headCounts.join(',')}`,
  ).toBeLessThanOrEqual(2)
  return table
}

describe('chain table', () => {
  it("builds one node with RF 1 (where 3FS's Python solver crashes)", () => {
    const table = checkInvariants(1, 1, 4, 1)
    expect(table.chains.map((chain) => chain.chainId)).toEqual([900100001, 900100002, 900100003, 900100004])
    expect(table.targets[0]!.targetId).toBe(101000100101)
  })

  it('keeps replicas on distinct nodes and equal shares for many shapes, including blocks that do not align with RF', () => {
    for (const [nodes, disks, targets, rf] of [
      [2, 1, 1, 2],
      [3, 1, 2, 2],
      [3, 2, 4, 3],
      [5, 2, 3, 3],
      [7, 3, 6, 3],
      [4, 4, 32, 2],
      [25, 16, 6, 3],
      [10, 1, 3, 3],
    ] as const) {
      checkInvariants(nodes, disks, targets, rf)
    }
  })

  it('keeps replicas on distinct nodes and equal shares for every small shape, including those only the repair step fixes (4 nodes RF 3)', () => {
    // Without repairChain, 4 nodes x 3 targets with RF 3 puts one node twice in a chain (blocks of 4 cut into chains of 3).
    checkInvariants(4, 1, 3, 3)
    checkInvariants(4, 2, 6, 3)
    for (let nodes = 1; nodes <= 9; nodes++) {
      for (let rf = 1; rf <= Math.min(nodes, 4); rf++) {
        for (let targets = 1; targets <= 8; targets++) {
          if ((nodes * targets) % rf !== 0) continue
          for (const disks of [1, 2]) checkInvariants(nodes, disks, targets, rf)
        }
      }
    }
  })

  it("create-target commands carry the target's own 0-based disk index, node id and chain", () => {
    const table = layout(3, 3, 2, 3)
    const commands = createTargetCommands(table)
    expect(commands).toHaveLength(table.targets.length)
    for (const [index, command] of commands.entries()) {
      const target = table.targets[index]!
      const args = Object.fromEntries(
        [...command.matchAll(/--([a-z-]+) (\d+)/g)].map((match) => [match[1]!, Number(match[2])]),
      )
      expect(command.startsWith('create-target ')).toBe(true)
      expect(args).toEqual({
        'node-id': target.nodeId,
        'disk-index': target.diskIndex,
        'target-id': target.targetId,
        'chain-id': target.chainId,
      })
      // 3FS indexes storage.target_paths with it (StorageTargets.cc:160): disk 1 of the id (…001xx) is index 0.
      expect(args['disk-index']).toBe((Math.floor(target.targetId / 100) % 1000) - 1)
      expect(args['chain-id']).toBe(
        chainId(
          9,
          target.diskIndex,
          table.chains.filter(
            (chain) =>
              chain.chainId <= target.chainId &&
              Math.floor(chain.chainId / 100_000) === Math.floor(target.chainId / 100_000),
          ).length,
        ),
      )
    }
    expect(commands[0]).toBe(
      `create-target --node-id ${table.targets[0]!.nodeId} --disk-index 0 --target-id ${table.targets[0]!.targetId} --chain-id 900100001 --use-new-chunk-engine`,
    )
    expect(new Set(table.targets.map((target) => target.diskIndex))).toEqual(new Set([0, 1, 2]))
  })

  it("spreads a node's chain peers over the cluster instead of its neighbours only (seed layout: 25 storage nodes, RF 3)", () => {
    const table = checkInvariants(25, 16, 6, 3)
    const byId = new Map(table.targets.map((target) => [target.targetId, target]))
    const peers = new Map<number, Set<number>>()
    for (const chain of table.chains) {
      const nodes = chain.targets.map((id) => byId.get(id)!.nodeId)
      for (const node of nodes)
        for (const other of nodes)
          if (other !== node) (peers.get(node) ?? peers.set(node, new Set()).get(node)!).add(other)
    }
    // With fixed neighbours a node would have 4 peers; spread placement reaches most of the cluster.
    expect(Math.min(...[...peers.values()].map((set) => set.size))).toBeGreaterThanOrEqual(16)
  })

  it('handles hundreds of storage nodes quickly enough for a plan', () => {
    const table = checkInvariants(500, 4, 6, 3)
    expect(table.chains).toHaveLength(4000)
  })

  it('writes the CSV files admin_cli reads', () => {
    const table = layout(2, 1, 1, 2)
    expect(chainsCsv(table)).toBe(`ChainId,TargetId,TargetId\n900100001,${table.chains[0]!.targets.join(',')}\n`)
    expect(chainTableCsv(table)).toBe('ChainId\n900100001\n')
    expect(targetId(1, 10002, 0, 0)).toBe(101000200101)
  })

  it('refuses layouts that cannot form chains', () => {
    expect(() => layout(3, 1, 1, 2)).toThrow(ChainTableError)
    expect(() => layout(2, 1, 2, 3)).toThrow(/replicationFactor 3/)
  })
})

describe('chain table: exact layouts and limits', () => {
  it('refuses each impossible layout with its own message, and accepts the largest allowed shape', () => {
    const make = (nodeIds: number[], disks: number, targets: number, rf: number) => () =>
      generateChainTable({
        nodeIds,
        disksPerNode: disks,
        targetsPerDisk: targets,
        replicationFactor: rf,
        targetIdPrefix: 1,
        chainIdPrefix: 1,
      })
    expect(make([], 1, 1, 1)).toThrow(new ChainTableError('no storage nodes'))
    expect(make([1, 2], 1, 1, 0)).toThrow(new ChainTableError('replicationFactor 0 needs 1 to 2 storage nodes'))
    expect(make([1, 2], 1, 1, 3)).toThrow(new ChainTableError('replicationFactor 3 needs 1 to 2 storage nodes'))
    expect(make([1, 2, 3], 1, 1, 2)).toThrow(
      new ChainTableError('3 nodes x 1 targets per disk do not divide into chains of 2'),
    )
    const limits = new ChainTableError('at most 99 targets per disk and 998 disks per node')
    expect(make([1], 1, 100, 1)).toThrow(limits)
    expect(make([1], 999, 1, 1)).toThrow(limits)
    expect(make([1], 1, 99, 1)()).toMatchObject({chains: expect.any(Array)})
    expect(make([1], 998, 1, 1)().chains).toHaveLength(998)
    expect(make([5, 5], 1, 1, 1)).toThrow(new ChainTableError('storage node ids must be unique'))
  })

  it('numbers chains and targets as the 3FS data placement script does', () => {
    // (prefix*1000 + disk + 1) * 100000 + index; ((prefix*1e6 + node) * 1000 + disk + 1) * 100 + slot + 1
    expect(chainId(9, 0, 1)).toBe(900100001)
    expect(chainId(2, 3, 7)).toBe(200400007)
    expect(targetId(1, 10002, 3, 4)).toBe(101000200405)
  })

  it('lays out 4 nodes RF 3 exactly (a shape the repair step fixes): a deployed table must come out the same on every run', () => {
    const table = layout(4, 1, 3, 3)
    const nodeOf = new Map(table.targets.map((target) => [target.targetId, target.nodeId - 10000]))
    expect(table.chains.map((chain) => chain.targets.map((id) => nodeOf.get(id)))).toMatchInlineSnapshot(`
      [
        [
          1,
          2,
          3,
        ],
        [
          4,
          2,
          1,
        ],
        [
          3,
          1,
          4,
        ],
        [
          2,
          4,
          3,
        ],
      ]
    `)
  })

  it('gives the same layouts as before for every small shape (any change here re-lays out deployed clusters)', () => {
    const hash = createHash('sha256')
    for (let nodes = 1; nodes <= 9; nodes++)
      for (let rf = 1; rf <= Math.min(nodes, 4); rf++)
        for (let targets = 1; targets <= 6; targets++)
          for (const disks of [1, 2])
            if ((nodes * targets) % rf === 0) hash.update(JSON.stringify(layout(nodes, disks, targets, rf)))
    expect(hash.digest('hex')).toMatchInlineSnapshot(
      `"8eee576cb12381cf6e453497147c180182d2d79c431d04376899b625ca6e1c4e"`,
    )
  })
})
