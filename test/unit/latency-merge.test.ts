import {describe, expect, it} from 'vitest'

import {bucketValueNs, mergeHistograms, percentileUs} from '../../src/bench/throughput/latency.js'
import {aggregate, type NodeThroughput} from '../../src/bench/throughput/service.js'

describe('latency histograms across nodes', () => {
  it('maps buckets to values with ~3% resolution, as the native histogram does', () => {
    expect(bucketValueNs(10)).toBe(10)
    // 1 ms: exponent 19, so 32 sub-buckets of 2^14 ns each.
    const oneMs = 32 + (19 - 5) * 32 + Math.floor(1_000_000 / 2 ** 14) - 32
    expect(Math.abs(bucketValueNs(oneMs) - 1_000_000) / 1_000_000).toBeLessThan(0.03)
  })

  it('merges counts exactly: percentiles of all I/Os, not an average of node percentiles', () => {
    // Node a: 99 fast I/Os; node b: 1 slow one. p50 is fast, p99.9 is the slow one.
    const merged = mergeHistograms([[[100, 99]], [[400, 1]]])
    expect(percentileUs(merged, 0.5)).toBeCloseTo(bucketValueNs(100) / 1000)
    expect(percentileUs(merged, 0.999)).toBeCloseTo(bucketValueNs(400) / 1000)
  })

  it('sums bandwidth over the seconds every node ran', () => {
    const node = (name: string, start: number, perSecond: number[]): NodeThroughput => ({
      node: name,
      engine: 'io_uring',
      bytes: perSecond.reduce((a, b) => a + b, 0),
      ios: 10,
      seconds: perSecond.length,
      bandwidthMiBps: perSecond.reduce((a, b) => a + b, 0) / 2 ** 20 / perSecond.length,
      iops: 10,
      latencyUs: {p50: 1, p99: 1, p999: 1, mean: 1},
      startEpochMs: start,
      endEpochMs: start + perSecond.length * 1000,
      bytesPerSecond: perSecond,
      latencyHistogram: [[100, 10]],
    })
    const MiB = 2 ** 20
    // b started one second late: only seconds 1-2 of a overlap b's seconds 0-1.
    const result = aggregate(
      [node('a', 0, [MiB, 2 * MiB, 2 * MiB]), node('b', 1000, [3 * MiB, 3 * MiB, 9 * MiB])],
      4096,
    )
    expect(result.windowSeconds).toBe(2)
    expect(result.bandwidthMiBps).toBe(5)
  })
})
