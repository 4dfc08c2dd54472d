/**
 * destroy: stop and remove the containers in reverse deploy order, unmount the client, forget the
 * record of applied actions on every node (service.ts then clears the local copy of it, keeping the node
 * ids and chain-table versions unless --forget-ids). Data stays unless asked: --purge-data removes the service directories under workDir
 * (FoundationDB, ClickHouse, storage data), --wipe-disks also erases the labelled NVMe data disks.
 */
import {servicesOf} from '../cluster/services.js'
import type {Cluster} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'
import {UsageError} from '../errors.js'
import {shellQuote} from '../remote/shell.js'
import {deployContext} from './context.js'
import {action, type Action, type Plan, type Stage} from './model.js'

export interface DestroyOptions {
  runtime?: string
  purgeData: boolean
  wipeDisks: boolean
}

const REVERSE: ServiceName[] = ['grafana', 'client', 'storage', 'meta', 'mgmtd', 'monitor', 'clickhouse', 'fdb']

function always(input: Omit<Action, 'fingerprint'>): Action {
  return {...action(input), always: true}
}

export function buildDestroyPlan(cluster: Cluster, options: DestroyOptions): Plan {
  const diskType = cluster.config.services.storage?.diskType
  if (options.wipeDisks && diskType !== 'nvme')
    throw new UsageError(
      `--wipe-disks erases the NVMe data disks, but ${cluster.file} has services.storage.diskType: ${diskType ?? '(no storage)'}: there are no disks to wipe`,
      {next: 'Use --purge-data to remove the data directories; nothing was changed.'},
    )
  const context = deployContext(cluster, options.runtime)
  const rt = shellQuote(context.runtime)
  const stages: Stage[] = []
  for (const service of REVERSE) {
    const actions: Action[] = []
    for (const node of cluster.nodes.filter((entry) => servicesOf(cluster, entry.name).includes(service))) {
      const container = shellQuote(context.containers[service])
      actions.push(
        always({
          id: `${node.name}:${service}:remove`,
          node: node.name,
          service,
          kind: 'run',
          description: `stop and remove ${context.containers[service]}`,
          command: `if command -v ${rt} >/dev/null 2>&1; then ${rt} rm -f ${container} >/dev/null 2>&1 || true; fi`,
        }),
      )
      if (service === 'client') {
        const mp = shellQuote(context.mountpoint)
        actions.push(
          always({
            id: `${node.name}:client:unmount`,
            node: node.name,
            service,
            kind: 'run',
            description: `unmount ${context.mountpoint} if 3FS is still mounted`,
            command: `if [ "$(findmnt -n -o FSTYPE --mountpoint ${mp} 2>/dev/null)" = fuse.hf3fs ]; then umount ${mp} 2>/dev/null || umount -l ${mp}; fi`,
          }),
        )
      }
      if (service === 'storage' && options.wipeDisks && cluster.config.services.storage?.diskType === 'nvme') {
        actions.push(
          always({
            id: `${node.name}:storage:wipe-disks`,
            node: node.name,
            service,
            kind: 'prepare-disk',
            description: 'unmount and wipe the NVMe disks labelled 3fs-data-* (--wipe-disks)',
            command: wipeDisksScript(context.dataDirs),
          }),
        )
      }
      if (options.purgeData) {
        const dirs = service === 'storage' ? [`${context.workDir}/storage`] : [`${context.workDir}/${service}`]
        actions.push(
          always({
            id: `${node.name}:${service}:purge`,
            node: node.name,
            service,
            kind: 'run',
            description: `remove ${dirs.join(', ')} (--purge-data)`,
            command: `for d in ${dirs.map(shellQuote).join(' ')}; do if findmnt -rn -o TARGET | grep -q "^$d/"; then echo "$d still has mounts below it; not removed" >&2; exit 1; fi; rm -rf "$d"; done`,
          }),
        )
      }
    }
    if (actions.length > 0) stages.push({name: `Remove ${service}`, service, actions})
  }
  stages.push({
    name: 'Forget deploy state',
    service: 'host',
    actions: cluster.nodes.map((node) =>
      always({
        id: `${node.name}:host:forget`,
        node: node.name,
        service: 'host',
        kind: 'run',
        description: 'remove the record of applied actions',
        command: `rm -rf ${shellQuote(context.paths.state)}`,
      }),
    ),
  })
  return {cluster: cluster.name, stateDir: context.paths.state, stages}
}

/** Unmounts and wipes every disk labelled 3fs-data-<i> and drops its fstab line (fstab: a parameter for tests). */
export function wipeDisksScript(dataDirs: string[], fstab = '/etc/fstab'): string {
  return [
    'set -e',
    ...dataDirs.map(
      (dir, index) =>
        // blkid -L exits 2 when no device has the label; any other failure means it could not look, which is
        // not "no such disk": stop (set -e) rather than report a wipe that never happened.
        `rc=0; dev=$(blkid -L 3fs-data-${index}) || rc=$?; if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then echo "blkid -L 3fs-data-${index} failed (exit $rc): cannot tell which disk holds "${shellQuote(dir)}"; it was not wiped" >&2; exit 1; fi; if [ -n "$dev" ]; then umount ${shellQuote(dir)} 2>/dev/null || true; wipefs -a "$dev" >/dev/null; fi; sed -i '/^LABEL=3fs-data-${index} /d' ${shellQuote(fstab)}`,
    ),
  ].join('\n')
}
