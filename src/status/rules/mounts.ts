/** The 3FS fuse mount on client nodes: mounted, really 3FS, answering, not nearly full. */
import type {NodeState} from '../node-state.js'
import {FULL_PERCENT} from './disks.js'
import {onNode, type Problem, type RuleContext} from './types.js'

export function mountProblems(node: NodeState, context: RuleContext): Problem[] {
  const mount = node.mount
  if (!mount) return []
  const {cli} = context
  const subject = `${node.name}:${mount.path}`
  const clientLogs = onNode(
    context,
    node.name,
    `logs --tail 100 ${node.containers.find((entry) => entry.service === 'client')?.container ?? '3fs-client'}`,
  )
  if (!mount.mounted) {
    return [
      {
        severity: 'error',
        subject,
        cause: `3FS is not mounted at ${mount.path} (the fuse client is not running, or the mount was lost after a reboot)`,
        next: `Read the fuse client's log: ${clientLogs}; a deploy re-run mounts it again: ${cli('deploy {c}')}`,
      },
    ]
  }
  if (mount.fstype !== 'fuse.hf3fs') {
    const fstype = mount.fstype ?? 'unknown'
    return [
      {
        severity: 'error',
        subject,
        cause: `${mount.path} is ${/^[aeiou]/i.test(fstype) ? 'an' : 'a'} ${fstype} mount from ${mount.source ?? 'an unknown source'}, not 3FS (fuse.hf3fs): programs would write to the wrong place`,
        next: `If nothing needs that mount, unmount it (umount ${mount.path}), then mount 3FS: ${cli('deploy {c}')}`,
      },
    ]
  }
  const problems: Problem[] = []
  if (mount.probe === 'failed') {
    problems.push({
      severity: 'error',
      subject,
      cause:
        'the mount does not answer a stat and a directory read within 5 s (hung fuse daemon, or no route to storage)',
      next: `Read the fuse client's log: ${clientLogs}`,
    })
  }
  if (mount.sizeBytes && mount.usedBytes !== undefined && (mount.usedBytes / mount.sizeBytes) * 100 >= FULL_PERCENT) {
    problems.push({
      severity: 'warning',
      subject,
      cause: `3FS is ${Math.round((mount.usedBytes / mount.sizeBytes) * 100)}% full`,
      next: 'Delete data or add storage before writes fail.',
    })
  }
  return problems
}
