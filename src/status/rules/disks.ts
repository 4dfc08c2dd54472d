/** Storage data disks: present, mounted (nvme layouts), not nearly full. */
import type {NodeState} from '../node-state.js'
import type {Problem, RuleContext} from './types.js'

export const FULL_PERCENT = 90

export function diskProblems(node: NodeState, context: RuleContext): Problem[] {
  const {layout, cli} = context
  const problems: Problem[] = []
  for (const disk of node.disks) {
    if (!disk.exists || (layout.diskType === 'nvme' && !disk.mounted)) {
      problems.push({
        severity: 'error',
        subject: `${node.name}:${disk.path}`,
        cause: disk.exists
          ? 'data disk not mounted: the disk labelled for this directory is missing or was not remounted after a reboot, and storage would write to the root filesystem'
          : 'storage data directory does not exist',
        next: disk.exists
          ? `Check the disks and their labels: ${cli(`exec {c} --nodes ${node.name} -- lsblk -o NAME,LABEL,MOUNTPOINT`)}`
          : `Deploy storage on the node: ${cli('deploy {c}')}`,
      })
    } else if (
      disk.sizeBytes &&
      disk.usedBytes !== undefined &&
      (disk.usedBytes / disk.sizeBytes) * 100 >= FULL_PERCENT
    ) {
      problems.push({
        severity: 'warning',
        subject: `${node.name}:${disk.path}`,
        cause: `data disk ${Math.round((disk.usedBytes / disk.sizeBytes) * 100)}% full`,
        next: 'Free space or add storage nodes before writes fail.',
      })
    }
  }
  return problems
}
