/**
 * Merges the workers' latency histograms (sparse [bucket, count] pairs) exactly and reads percentiles
 * from the result. The bucket layout mirrors native/src/core/latency.cc: values below 32 ns have their own
 * bucket; above, 32 sub-buckets per power of two.
 */
export type SparseHistogram = Array<[number, number]>

/** Midpoint of a bucket, in nanoseconds. */
export function bucketValueNs(bucket: number): number {
  if (bucket < 32) return bucket
  const exponent = Math.floor((bucket - 32) / 32) + 5
  const sub = (bucket - 32) % 32
  const width = 2 ** (exponent - 5)
  return (32 + sub) * width + width / 2
}

export function mergeHistograms(histograms: SparseHistogram[]): Map<number, number> {
  const merged = new Map<number, number>()
  for (const histogram of histograms)
    for (const [bucket, count] of histogram) merged.set(bucket, (merged.get(bucket) ?? 0) + count)
  return merged
}

/** The latency (microseconds) below which `fraction` of the recorded I/Os fall. */
export function percentileUs(merged: Map<number, number>, fraction: number): number {
  const total = [...merged.values()].reduce((sum, count) => sum + count, 0)
  if (total === 0) return 0
  const rank = Math.ceil(fraction * total)
  let seen = 0
  for (const bucket of [...merged.keys()].sort((a, b) => a - b)) {
    seen += merged.get(bucket)!
    if (seen >= rank) return bucketValueNs(bucket) / 1000
  }
  return 0
}
