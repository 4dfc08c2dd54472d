/** Issue 15 #5: big but valid layouts must not overflow the call stack (Math.max(...hugeArray)). */
import {describe, expect, it} from 'vitest'

import {chainsCsv, type ChainTable} from '../../src/deploy/chain-table.js'

describe('chain table CSV for a big cluster', () => {
  it('renders 999 nodes x 16 disks x 32 targets / RF 3 (170,496 chains) without a RangeError', () => {
    const chains = Array.from({length: 170_496}, (_, index) => ({chainId: 900_100_001 + index, targets: [1, 2, 3]}))
    const table: ChainTable = {targets: [], chains}
    const csv = chainsCsv(table)
    expect(csv.startsWith('ChainId,TargetId,TargetId,TargetId\n')).toBe(true)
    expect(csv.split('\n')).toHaveLength(170_498)
  })
})
