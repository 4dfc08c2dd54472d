import {describe, expect, it} from 'vitest'

import {planGraysort} from '../../src/bench/graysort/plan.js'
import {mergeFileSummaries, type FileSummary} from '../../src/bench/graysort/summary.js'
import {parseSize} from '../../src/bench/size.js'

const GiB = 2 ** 30
const TiB = 2 ** 40

describe('graysort plan', () => {
  it('plans the published smallpond run: 110.5 TiB on 50 nodes', () => {
    const records = Math.floor((110.5 * TiB) / 100)
    const plan = planGraysort({records, nodes: 50, cores: 64, memoryBytes: 512 * GiB})
    expect(plan.nodes).toBe(50)
    // Partitions of at most 4 GiB (a quarter of memory is 128 GiB, capped), a multiple of the node count.
    expect(plan.partitionBytes).toBeLessThanOrEqual(4 * GiB)
    expect(plan.partitions % 50).toBe(0)
    expect(plan.partitions).toBeGreaterThanOrEqual(8192)
    expect(plan.partitions).toBeLessThan(70_000)
    // The assignments cover every record and partition exactly once.
    expect(plan.assignments.reduce((sum, a) => sum + a.records, 0)).toBe(records)
    expect(plan.assignments[0]!.firstPartition).toBe(0)
    expect(plan.assignments.at(-1)!.endPartition).toBe(plan.partitions)
    for (let i = 1; i < 50; i++) expect(plan.assignments[i]!.firstPartition).toBe(plan.assignments[i - 1]!.endPartition)
    // Each node's 2.2 TiB is mapped in memory-sized runs, one file each plus an index, through files.
    expect(plan.mapRunsPerNode).toBeGreaterThan(1)
    expect(plan.mapRunsPerNode).toBeLessThanOrEqual(64)
    expect(plan.files).toEqual({input: 50, map: 50 * (plan.mapRunsPerNode + 1), output: plan.partitions})
    expect(plan.shuffle).toBe('files')
    expect(plan.warnings).toEqual([])
  })

  it('plans 1 GiB on one machine with enough partitions to overlap I/O and sorting', () => {
    const plan = planGraysort({records: Math.floor(GiB / 100), nodes: 1, cores: 2, memoryBytes: 12 * GiB})
    expect(plan.partitions).toBe(16)
    expect(plan.mapRunsPerNode).toBe(16)
    expect(plan.partitionBytes * 3).toBeLessThan(plan.memoryPerNodeBytes)
    // One node that holds the data twice leaves the choice to the worker (in memory when it gets new memory
    // fast enough, measured); memory or files on demand, files when it does not fit or for several nodes.
    expect(plan.shuffle).toBe('auto')
    expect(plan.files.map).toBe(17)
    const inMemory = planGraysort({
      records: Math.floor(GiB / 100),
      nodes: 1,
      cores: 2,
      memoryBytes: 12 * GiB,
      shuffle: 'memory',
    })
    expect(inMemory.shuffle).toBe('memory')
    expect(inMemory.files.map).toBe(0)
    expect(
      planGraysort({records: Math.floor(GiB / 100), nodes: 1, cores: 2, memoryBytes: 12 * GiB, shuffle: 'files'})
        .shuffle,
    ).toBe('files')
    expect(planGraysort({records: Math.floor(GiB / 100), nodes: 3, cores: 2, memoryBytes: 12 * GiB}).shuffle).toBe(
      'files',
    )
    expect(
      planGraysort({records: Math.floor((8 * GiB) / 100), nodes: 1, cores: 2, memoryBytes: 12 * GiB}).shuffle,
    ).toBe('files')
    expect(() =>
      planGraysort({
        records: Math.floor((8 * GiB) / 100),
        nodes: 1,
        cores: 2,
        memoryBytes: 12 * GiB,
        shuffle: 'memory',
      }),
    ).toThrow(/--shuffle memory needs one node/)
  })

  it('scales partitions with data and memory from 1 GiB to 100+ TiB on hundreds of nodes', () => {
    for (const [bytes, nodes, memory] of [
      [GiB, 1, 2 * GiB],
      [100 * GiB, 3, 8 * GiB],
      [10 * TiB, 100, 64 * GiB],
      [200 * TiB, 500, 256 * GiB],
    ] as const) {
      const plan = planGraysort({records: Math.floor(bytes / 100), nodes, cores: 32, memoryBytes: memory})
      expect(plan.partitionBytes * 3, `${bytes}/${nodes}`).toBeLessThanOrEqual(plan.memoryPerNodeBytes)
      expect(plan.partitions).toBeGreaterThanOrEqual(nodes * 16)
      expect(plan.partitions % nodes).toBe(0)
    }
  })

  it('warns when forced partitions cannot fit in memory, and refuses absurd counts', () => {
    const plan = planGraysort({
      records: Math.floor((10 * GiB) / 100),
      nodes: 1,
      cores: 2,
      memoryBytes: 2 * GiB,
      partitions: 2,
    })
    expect(plan.warnings[0]).toContain('more than a third of the memory')
    expect(() => planGraysort({records: TiB, nodes: 1, cores: 2, memoryBytes: 64 * 2 ** 20})).toThrow(
      /more than 1000000/,
    )
    expect(() => planGraysort({records: 0, nodes: 1, cores: 1, memoryBytes: GiB})).toThrow(/at least one record/)
  })
})

describe('sizes', () => {
  it('reads binary and decimal units', () => {
    expect(parseSize('1GiB', '--size')).toBe(GiB)
    expect(parseSize('1GB', '--size')).toBe(1e9)
    expect(parseSize('110.5TiB', '--size')).toBe(Math.round(110.5 * TiB))
    expect(parseSize('4096', '--size')).toBe(4096)
    expect(() => parseSize('lots', '--size')).toThrow(/--size lots is not a size/)
  })
})

describe('merging valsort summaries', () => {
  const file = (path: string, firstKey: string, lastKey: string, extra: Partial<FileSummary> = {}): FileSummary => ({
    path,
    records: 10,
    duplicates: 0,
    unordered: 0,
    firstUnordered: -1,
    checksum: 'ff',
    firstKey,
    lastKey,
    ...extra,
  })

  it('adds counts and checksums and checks order across files', () => {
    const report = mergeFileSummaries([file('a', '00', '10'), file('b', '10', '20'), file('c', '30', '40')])
    expect(report).toMatchObject({
      files: 3,
      records: 30,
      duplicates: 1,
      unordered: 0,
      checksum: (0xff * 3).toString(16),
      ok: true,
    })
  })

  it('names files out of order, unreadable files and unordered records with their global index', () => {
    const report = mergeFileSummaries([
      file('a', '00', '50'),
      file('b', '40', '60'),
      {
        path: 'c',
        records: 0,
        duplicates: 0,
        unordered: 0,
        firstUnordered: -1,
        checksum: '0',
        error: 'c is 150 bytes, not a whole number of 100-byte records (truncated?)',
      },
      file('d', '70', '80', {unordered: 2, firstUnordered: 3}),
    ])
    expect(report.ok).toBe(false)
    expect(report.unordered).toBe(3)
    expect(report.firstUnordered).toBe(10)
    expect(report.problems.map((problem) => problem.path)).toEqual(['b', 'c', 'd'])
    expect(report.problems[1]!.problem).toContain('truncated')
  })
})
