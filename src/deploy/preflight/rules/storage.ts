/** A storage node's disks (NVMe to format, or free space for diskType dir) and its AIO limit. */
import {shellQuote} from '../../../remote/shell.js'
import {AIO_MAX_NR} from '../../services/host.js'
import type {PreflightRule} from '../model.js'

const MIN_DIR_FREE_BYTES = 10 * 1024 ** 3

/** NVMe whole disks that are blank (no children, no filesystem, not mounted) or already labelled 3fs-data-*. */
export function usableNvmeDisks(lsblk: string): string[] {
  const rows = lsblk
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.fromEntries([...line.matchAll(/([A-Z]+)="([^"]*)"/g)].map((match) => [match[1], match[2]])))
  const children = new Set(rows.filter((row) => row.PKNAME).map((row) => row.PKNAME))
  return rows
    .filter((row) => row.TYPE === 'disk' && /^nvme/.test(row.NAME ?? ''))
    .filter(
      (row) => /^3fs-data-\d+$/.test(row.LABEL ?? '') || (!row.FSTYPE && !row.MOUNTPOINT && !children.has(row.NAME)),
    )
    .map((row) => row.NAME!)
}

export const disksRule: PreflightRule = {
  check: 'disks',
  appliesTo: ({services}) => services.includes('storage'),
  probe: ({context}) => [
    'S disks; lsblk -P -b -o NAME,TYPE,SIZE,MOUNTPOINT,LABEL,FSTYPE,PKNAME 2>/dev/null || true',
    `S dir-free; d=${shellQuote(context.workDir)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -P -B1 "$d" | awk 'NR==2{print $4}'`,
  ],
  judge: ({context, text}) => {
    const storage = context.cluster.config.services.storage!
    if (storage.diskType === 'nvme') {
      const usable = usableNvmeDisks(text('disks'))
      return usable.length >= storage.diskNumPerNode
        ? {
            check: 'disks',
            status: 'ok',
            detail: `${usable.length} usable NVMe disk(s) for ${storage.diskNumPerNode}: ${usable.join(', ')}`,
          }
        : {
            check: 'disks',
            status: 'fail',
            detail: `${usable.length} usable NVMe disk(s) (blank or labelled 3fs-data-*), ${storage.diskNumPerNode} needed`,
            fix: 'Free more NVMe disks (unmounted, no partitions or filesystem: wipefs -a only if it holds nothing you need), or lower diskNumPerNode, or use diskType: dir.',
          }
    }
    const free = Number(text('dir-free'))
    return free >= MIN_DIR_FREE_BYTES
      ? {
          check: 'disks',
          status: 'ok',
          detail: `diskType dir, ${(free / 1024 ** 3).toFixed(0)} GiB free under ${context.workDir}`,
        }
      : {
          check: 'disks',
          status: 'warn',
          detail: `only ${(free / 1024 ** 3).toFixed(1)} GiB free under ${context.workDir}`,
          fix: 'Free space, or point workDir at a larger filesystem.',
        }
  },
}

export const aioRule: PreflightRule = {
  check: 'aio-max-nr',
  appliesTo: ({services}) => services.includes('storage'),
  probe: () => ['S aio; sysctl -n fs.aio-max-nr 2>/dev/null || cat /proc/sys/fs/aio-max-nr'],
  judge: ({text}) => {
    const aio = Number(text('aio'))
    return aio >= AIO_MAX_NR
      ? {check: 'aio-max-nr', status: 'ok', detail: String(aio)}
      : {check: 'aio-max-nr', status: 'warn', detail: `${aio}, below ${AIO_MAX_NR}; deploy sets it (and at boot)`}
  },
}
