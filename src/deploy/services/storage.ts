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
 * Disk preparation script. It never formats a disk that holds anything, and never one it could not
 * look at: a disk counts as blank only when every probe that says so SUCCEEDED (lsblk lists it with no
 * children and no mount point, `wipefs -n` exits 0 and finds no signature, `blkid -p` exits 2 = nothing
 * found). A probe that fails (busy device, permission, tool missing) makes the disk "unknown", never
 * blank; empty output alone proves nothing. mkfs.xfs runs without -f, so even a race with another writer
 * cannot overwrite a filesystem (mkfs.xfs refuses an existing signature unless forced). Disks already
 * labelled 3fs-data-<i> (an earlier run) are mounted as they are. A missing disk is an error that names
 * what was found and why each other disk was passed over.
 */
export function nvmeDiskScript(dataDirs: string[], sectorSize: number, fstab = '/etc/fstab'): string {
  const count = dataDirs.length
  return [
    'set -u',
    `base=${shellQuote(dataDirs[0]!.replace(/\/data0$/, ''))}`,
    `need=${count}`,
    `fstab=${shellQuote(fstab)}`,
    'fail() { echo "$*" >&2; exit 3; }',
    // blkid -L: 0 = found, 2 = no such label; anything else is a failed probe, not "absent".
    'labelled() { out=$(blkid -L "3fs-data-$1" 2>&1); rc=$?; case $rc in 0) echo "$out";; 2) ;; *) fail "blkid -L 3fs-data-$1 failed (exit $rc): $out; nothing was formatted";; esac; }',
    // Prints why a disk is not blank (nothing when it is blank); every probe's exit code is checked.
    'why_not_blank() {',
    '  d=$1',
    '  kids=$(lsblk -n -o NAME "$d" 2>&1) || { echo "lsblk failed: $kids"; return; }',
    '  [ "$(printf "%s\n" "$kids" | wc -l)" = 1 ] || { echo "has partitions"; return; }',
    '  mp=$(lsblk -n -o MOUNTPOINT "$d" 2>&1) || { echo "lsblk failed: $mp"; return; }',
    '  [ -z "$(printf "%s" "$mp" | tr -d " \n")" ] || { echo "mounted at $mp"; return; }',
    '  sig=$(wipefs -n "$d" 2>&1) || { echo "wipefs failed: $sig"; return; }',
    '  [ -z "$(printf "%s\n" "$sig" | tail -n +2)" ] || { echo "has a signature: $(printf "%s\n" "$sig" | tail -n +2 | head -1)"; return; }',
    '  probe=$(blkid -p "$d" 2>&1); rc=$?',
    '  [ $rc = 2 ] || { [ $rc = 0 ] && echo "blkid finds: $probe" || echo "blkid -p failed (exit $rc): $probe"; return; }',
    '}',
    'disks=$(lsblk -dn -o NAME,TYPE 2>&1) || fail "lsblk failed, so no disk can be checked: $disks; nothing was formatted"',
    'blank=""; skipped=""',
    'for dev in $(printf "%s\n" "$disks" | awk \'$2=="disk" && $1 ~ /^nvme/ {print "/dev/"$1}\'); do',
    '  reason=$(why_not_blank "$dev")',
    '  if [ -z "$reason" ]; then blank="$blank $dev"; else skipped="$skipped; $dev: $reason"; fi',
    'done',
    'i=0',
    'while [ $i -lt $need ]; do',
    '  dev=$(labelled $i) || exit 3',
    '  if [ -z "$dev" ]; then',
    '    dev=$(echo $blank | awk \'{print $1}\')',
    '    [ -n "$dev" ] || fail "no disk for data$i: found no disk labelled 3fs-data-$i and no blank NVMe disk left (disks with partitions or a filesystem, or whose probe failed, are never formatted)${skipped:+. Passed over$skipped}"',
    '    blank=$(echo $blank | cut -s -d" " -f2-)',
    `    mkfs.xfs -q -s size=${sectorSize} -L "3fs-data-$i" "$dev" || fail "mkfs.xfs on $dev failed; nothing else was formatted"`,
    '  fi',
    '  mkdir -p "$base/data$i" || exit 3',
    '  grep -q "^LABEL=3fs-data-$i " "$fstab" || printf "LABEL=3fs-data-%s %s xfs defaults,nofail 0 0\\n" "$i" "$base/data$i" >> "$fstab" || fail "cannot write $fstab"',
    '  findmnt -n --mountpoint "$base/data$i" >/dev/null || mount -L "3fs-data-$i" "$base/data$i" || fail "mount of 3fs-data-$i at $base/data$i failed"',
    // m3fs keeps the targets in a 3fs directory on each disk (m3fs pkg/storage/tasks.go makeTargetPaths).
    '  mkdir -p "$base/data$i/3fs" || exit 3',
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
