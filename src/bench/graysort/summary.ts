/** valsort summaries of consecutive files, merged in order (which checks order across file boundaries). */

export interface FileSummary {
  path: string
  records: number
  duplicates: number
  unordered: number
  /** Index within the file of the first record smaller than its predecessor, -1 when none. */
  firstUnordered: number
  /** valsort's hex form of the 128-bit CRC-32 sum. */
  checksum: string
  firstKey?: string
  lastKey?: string
  /** Set when the file could not be validated (missing, truncated). */
  error?: string
}

export interface ValidationReport {
  files: number
  records: number
  duplicates: number
  unordered: number
  /** Global index of the first unordered record, -1 when none. */
  firstUnordered: number
  checksum: string
  /** Files that are unreadable, truncated or out of order (with the reason). */
  problems: Array<{path: string; problem: string}>
  ok: boolean
}

export function mergeFileSummaries(summaries: FileSummary[]): ValidationReport {
  let records = 0
  let duplicates = 0
  let unordered = 0
  let firstUnordered = -1
  let checksum = 0n
  let previousLast: string | undefined
  const problems: ValidationReport['problems'] = []
  for (const file of summaries) {
    if (file.error !== undefined) {
      problems.push({path: file.path, problem: file.error})
      continue
    }
    if (file.unordered > 0) {
      problems.push({
        path: file.path,
        problem: `${file.unordered} records out of order (first at record ${file.firstUnordered} of the file)`,
      })
      if (firstUnordered < 0) firstUnordered = records + file.firstUnordered
    }
    if (file.records > 0 && previousLast !== undefined && file.firstKey !== undefined) {
      if (file.firstKey < previousLast) {
        unordered++
        problems.push({
          path: file.path,
          problem: 'its first key is smaller than the last key of the file before it (files out of order?)',
        })
        if (firstUnordered < 0) firstUnordered = records
      } else if (file.firstKey === previousLast) {
        duplicates++
      }
    }
    records += file.records
    duplicates += file.duplicates
    unordered += file.unordered
    checksum += BigInt(`0x${file.checksum}`)
    if (file.records > 0) previousLast = file.lastKey
  }
  return {
    files: summaries.length,
    records,
    duplicates,
    unordered,
    firstUnordered,
    checksum: checksum.toString(16),
    problems,
    ok: problems.length === 0 && unordered === 0,
  }
}

export function addChecksums(a: string, b: string): string {
  return (BigInt(`0x${a}`) + BigInt(`0x${b}`)).toString(16)
}
