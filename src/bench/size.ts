/**
 * Sizes on the command line, in fio's units: a bare prefix is 1024-based as in fio (4k = 4096, 1M = 1 MiB,
 * 1G = 1 GiB), as are KiB/MiB/GiB/TiB/PiB. Only an explicit SI byte unit (KB, MB, GB, TB, PB) is
 * 1000-based: that is how sortbenchmark.org counts GraySort data (100 TB = 10^12 records of 100 bytes)
 * and how disks are sold, and it keeps `--size 10GB` meaning what it meant before.
 */
import {UsageError} from '../errors.js'

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
  ki: 2 ** 10,
  mi: 2 ** 20,
  gi: 2 ** 30,
  ti: 2 ** 40,
  pi: 2 ** 50,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
}

/** One line for --help of every size flag. */
export const SIZE_UNITS_HELP =
  'Units as in fio: 4k, 1M, 1G (and KiB, MiB, GiB, TiB) are 1024-based; KB, MB, GB, TB are 1000-based.'

/** The largest byte count a size flag takes: 2^53 - 1 (just under 8 PiB), the last whole number a JS number holds exactly. */
export const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER

/**
 * A size flag in bytes: a whole number (a fraction only with a unit, e.g. 1.5GiB), from `min` (default 0)
 * up to MAX_SIZE_BYTES, so that no size reaches a worker as a rounded float or a count no machine can hold.
 */
export function parseSize(text: string, flag: string, limits: {min?: number} = {}): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined)
    throw new UsageError(`${flag} ${text} is not a size`, {
      next: `Use a size such as 4k, 1M, 1GiB or 10GB. ${SIZE_UNITS_HELP}`,
    })
  const value = Number(match[1]) * unit
  if (unit === 1 && !Number.isInteger(value))
    throw new UsageError(`${flag} ${text} is not a whole number of bytes`, {
      next: `Give whole bytes (e.g. 4096) or a unit (e.g. 1.5GiB). ${SIZE_UNITS_HELP}`,
    })
  const bytes = Math.round(value)
  if (!Number.isSafeInteger(bytes) || bytes > MAX_SIZE_BYTES)
    throw new UsageError(`${flag} ${text} is too large: at most ${MAX_SIZE_BYTES} bytes (8 PiB) is accepted`, {
      next: `Give a smaller ${flag}.`,
    })
  const min = limits.min ?? 0
  if (bytes < min)
    throw new UsageError(`${flag} ${text} is too small: at least ${min} byte${min === 1 ? '' : 's'}`, {
      next: `Give a ${flag} of at least ${formatBytes(min)}.`,
    })
  return bytes
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${units[unit]}`
}
