/**
 * Sizes on the command line, in fio's units: a bare prefix is 1024-based as in fio (4k = 4096, 1M = 1 MiB,
 * 1G = 1 GiB), as are KiB/MiB/GiB/TiB/PiB. Only an explicit SI byte unit (KB, MB, GB, TB, PB) is
 * 1000-based: that is how sortbenchmark.org counts GraySort data (100 TB = 10^12 records of 100 bytes)
 * and how disks are sold, and it keeps `--size 10GB` meaning what it meant before.
 */
import {UsageError} from '../errors.js'

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50,
  ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40, pi: 2 ** 50,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15,
}

/** One line for --help of every size flag. */
export const SIZE_UNITS_HELP = 'Units as in fio: 4k, 1M, 1G (and KiB, MiB, GiB, TiB) are 1024-based; KB, MB, GB, TB are 1000-based.'

export function parseSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined) throw new UsageError(`${flag} ${text} is not a size`, {next: `Use a size such as 4k, 1M, 1GiB or 10GB. ${SIZE_UNITS_HELP}`})
  return Math.round(Number(match[1]) * unit)
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
