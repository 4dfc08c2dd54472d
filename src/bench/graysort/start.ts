/** gensort's -b: the first record number of a generated range. */
import {UsageError} from '../../errors.js'

/** Record numbers are unsigned 64-bit in the worker (as in gensort -b); parsed exactly, never through a float. */
export function parseStart(text: string, records: number): bigint {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`--start ${text} is not a whole number`, {
      next: 'Give the first record number, e.g. --start 1000000.',
    })
  const start = BigInt(text.trim())
  const limit = 2n ** 64n
  if (start + BigInt(records) > limit)
    throw new UsageError(`--start ${text} with --records ${records} passes record number 2^64 - 1 (${limit - 1n})`, {
      next: `Give --start at most ${limit - BigInt(records)} for ${records} records.`,
    })
  return start
}

/** The most records a run or file may hold: their bytes (100 each) must stay a whole number a JS number holds exactly. */
export const MAX_RECORDS = Math.floor(Number.MAX_SAFE_INTEGER / 100)

/** --records as given: a positive whole number whose data size (100 bytes a record) is exact. */
export function checkRecords(records: number): number {
  if (!Number.isSafeInteger(records) || records < 1 || records > MAX_RECORDS) {
    throw new UsageError(
      `--records ${Number.isSafeInteger(records) ? `${records} ` : ''}is out of range: 1 to ${MAX_RECORDS} records (100 bytes each, at most 8 PiB)`,
      {next: 'Give a smaller --records, or --size.'},
    )
  }
  return records
}
