/**
 * storage: data disks (diskType nvme: blank NVMe disks get an XFS filesystem labelled 3fs-data-<i>, and
 * every labelled disk is mounted at data<i> now and at boot through /etc/fstab; diskType dir: plain
 * directories), configs, set-config --type STORAGE, containers, heartbeats.
 */
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {run, serviceArgs, startContainerCommand, threefsVolumes, writeConfig} from './common.js'
import {listenerValues} from './mgmtd.js'
import {setConfig, waitForHeartbeats} from './meta.js'

/**
 * Disk preparation script. It never formats a disk that holds anything: only NVMe disks without
 * partitions, filesystem signature or mount are formatted, and a missing disk is an error naming what
 * it found. Disks already labelled 3fs-data-<i> (an earlier run) are mounted as they are.
 */
export function nvmeDiskScript(dataDirs: string[], sectorSize: number, fstab = '/etc/fstab'): string {
  const count = dataDirs.length
  return [
    'set -e',
    `base=${shellQuote(dataDirs[0]!.replace(/\/data0$/, ''))}`,
    `need=${count}`,
    `fstab=${shellQuote(fstab)}`,
    'labelled() { blkid -L "3fs-data-$1" 2>/dev/null || true; }',
    // Blank NVMe disks: whole disks, no children, no signature, not mounted.
    'blank=""',
    'for dev in $(lsblk -dn -o NAME,TYPE | awk \'$2=="disk" && $1 ~ /^nvme/ {print "/dev/"$1}\'); do',
    '  [ "$(lsblk -n -o NAME "$dev" | wc -l)" = 1 ] || continue',
    '  [ -z "$(wipefs -n "$dev" 2>/dev/null | tail -n +2)" ] || continue',
    '  blank="$blank $dev"',
    'done',
    'i=0',
    'while [ $i -lt $need ]; do',
    '  dev=$(labelled $i)',
    '  if [ -z "$dev" ]; then',
    '    dev=$(echo $blank | awk \'{print $1}\')',
    '    [ -n "$dev" ] || { echo "no disk for data$i: found no disk labelled 3fs-data-$i and no blank NVMe disk left (disks with partitions or a filesystem are never formatted)" >&2; exit 3; }',
    '    blank=$(echo $blank | cut -s -d" " -f2-)',
    `    mkfs.xfs -q -f -s size=${sectorSize} -L "3fs-data-$i" "$dev"`,
    '  fi',
    '  mkdir -p "$base/data$i"',
    '  grep -q "^LABEL=3fs-data-$i " "$fstab" || printf "LABEL=3fs-data-%s %s xfs defaults,nofail 0 0\\n" "$i" "$base/data$i" >> "$fstab"',
    '  findmnt -n --mountpoint "$base/data$i" >/dev/null || mount -L "3fs-data-$i" "$base/data$i"',
    '  i=$((i + 1))',
    'done',
  ].join('\n')
}

export function storageActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.storage!
  const nodes = nodesOf(context.cluster, 'storage')
  const main = {
    monitor_address: context.monitorAddress,
    mgmtd_addresses: context.mgmtdAddresses,
    target_paths: context.dataDirs.map((dir) => dir.replace(`${context.workDir}/storage/3fsdata`, '/mnt/3fsdata')),
    ...listenerValues('storage', settings.rdmaListenPort, settings.tcpListenPort, 'StorageSerde'),
  }
  const admin = context.adminNode.name
  const actions: Action[] = [writeConfig(admin, 'storage', context.paths.etc('mgmtd'), 'storage_main.toml', main), setConfig(context, 'STORAGE', 'storage_main.toml', 'storage')]
  for (const [index, node] of nodes.entries()) {
    const etc = context.paths.etc('storage')
    const disks =
      settings.diskType === 'nvme'
        ? run(node.name, 'storage', 'disks', `prepare ${context.dataDirs.length} NVMe data disk(s) (blank disks only) and mount them by label`, nvmeDiskScript(context.dataDirs, settings.sectorSize), 'prepare-disk')
        : run(node.name, 'storage', 'disks', `create ${context.dataDirs.length} data director${context.dataDirs.length === 1 ? 'y' : 'ies'}`, `mkdir -p ${context.dataDirs.map(shellQuote).join(' ')}`, 'prepare-disk')
    actions.push(
      index === 0 ? barrier(disks) : disks,
      writeConfig(node.name, 'storage', etc, 'storage_main_launcher.toml', {cluster_id: context.cluster.name, mgmtd_addresses: context.mgmtdAddresses}),
      writeConfig(node.name, 'storage', etc, 'storage_main_app.toml', {node_id: context.nodeIds.storage.get(node.name)!}),
      writeConfig(node.name, 'storage', etc, 'storage_main.toml', main),
      run(
        node.name,
        'storage',
        'start',
        `start ${context.containers.storage}`,
        startContainerCommand(context, {
          service: 'storage',
          image: context.images.threefs,
          options: ['--privileged', '--ulimit', 'memlock=-1', '--ulimit', 'nofile=1000000:1000000'],
          volumes: [...threefsVolumes(context, 'storage'), [`${context.workDir}/storage/3fsdata`, '/mnt/3fsdata']],
          args: serviceArgs('storage_main'),
        }),
        'start-container',
      ),
    )
  }
  actions.push(barrier(waitForHeartbeats(context, 'STORAGE', [...context.nodeIds.storage.values()], 'storage')))
  return actions
}
