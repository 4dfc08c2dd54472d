/** gensort's -b: the first record number of a generated range. */
import {UsageError} from '../../errors.js'

/** Record numbers are unsigned 64-bit in the worker (as in gensort -b); parsed exactly, never through a float. */
export function parseStart(text: string, records: number): bigint {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--start ${text} is not a whole number`, {next: 'Give the first record number, e.g. --start 1000000.'})
  const start = BigInt(text.trim())
  const limit = 2n ** 64n
  if (start + BigInt(records) > limit) throw new UsageError(`--start ${text} with --records ${records} passes record number 2^64 - 1 (${limit - 1n})`, {next: `Give --start at most ${limit - BigInt(records)} for ${records} records.`})
  return start
}
