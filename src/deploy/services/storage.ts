/**
 * storage: data disks (diskType nvme: blank NVMe disks get an XFS filesystem labelled 3fs-data-<i>, and
 * every labelled disk is mounted at data<i> now and at boot through /etc/fstab; diskType dir: plain
 * directories), configs, set-config --type STORAGE, containers, heartbeats.
 */
import {STORAGE_DATA_IN_CONTAINER} from '../../cluster/services.js'
import type {ConfigOverride} from '../../cluster/threefs-config/render.js'
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {
  listenerOverrides,
  logLevelOverride,
  monitorOverride,
  run,
  serviceArgs,
  setConfigAction,
  startContainerCommand,
  threefsContainerOptions,
  threefsVolumes,
  writeConfig,
  writeConfigTo,
} from './common.js'
import {waitForHeartbeats} from './meta.js'
import {rollStarts} from './rolling.js'

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
    "    dev=$(echo $blank | awk '{print $1}')",
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

export function storageMainOverrides(context: DeployContext): ConfigOverride[] {
  const settings = context.cluster.config.services.storage!
  return [
    logLevelOverride(context),
    monitorOverride(context),
    ...listenerOverrides(context, {rdma: settings.rdmaListenPort, tcp: settings.tcpListenPort}),
    {key: 'server.mgmtd.mgmtd_server_addresses', value: context.mgmtdAddresses},
    {key: 'server.targets.target_paths', value: context.threefs.targetPaths},
  ]
}

export function storageActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.storage!
  const nodes = nodesOf(context.cluster, 'storage')
  const admin = context.adminNode.name
  const adminCopy = writeConfigTo(
    context,
    admin,
    'storage',
    context.paths.etc('mgmtd'),
    'storage_main.toml',
    storageMainOverrides(context),
  )
  const actions: Action[] = [adminCopy, setConfigAction(context, 'STORAGE', adminCopy, 'storage')]
  // Each data dir holds the targets in a 3fs subdirectory (m3fs's layout); dir mode makes both.
  const targetDirs = context.dataDirs.map((dir) => `${dir}/3fs`)
  for (const [index, node] of nodes.entries()) {
    const disks =
      settings.diskType === 'nvme'
        ? run(
            node.name,
            'storage',
            'disks',
            `prepare ${context.dataDirs.length} NVMe data disk(s) (blank disks only) and mount them by label`,
            nvmeDiskScript(context.dataDirs, settings.sectorSize),
            'prepare-disk',
          )
        : run(
            node.name,
            'storage',
            'disks',
            `create ${context.dataDirs.length} data director${context.dataDirs.length === 1 ? 'y' : 'ies'}`,
            `mkdir -p ${targetDirs.map(shellQuote).join(' ')}`,
            'prepare-disk',
          )
    actions.push(
      index === 0 ? barrier(disks) : disks,
      writeConfig(context, node.name, 'storage', 'storage_main_launcher.toml', [
        {key: 'cluster_id', value: context.cluster.name},
        {key: 'mgmtd_client.mgmtd_server_addresses', value: context.mgmtdAddresses},
      ]),
      writeConfig(context, node.name, 'storage', 'storage_main_app.toml', [
        {key: 'node_id', value: context.nodeIds.storage.get(node.name)!},
      ]),
      writeConfig(context, node.name, 'storage', 'storage_main.toml', storageMainOverrides(context)),
      run(
        node.name,
        'storage',
        'start',
        `start ${context.containers.storage}`,
        startContainerCommand(context, {
          service: 'storage',
          image: context.images.threefs,
          options: threefsContainerOptions(true),
          volumes: [
            ...threefsVolumes(context, 'storage'),
            [`${context.workDir}/storage/3fsdata`, STORAGE_DATA_IN_CONTAINER],
          ],
          args: serviceArgs('storage_main'),
        }),
        'start-container',
      ),
    )
  }
  actions.push(barrier(waitForHeartbeats(context, 'STORAGE', [...context.nodeIds.storage.values()], 'storage')))
  return rollStarts(context, actions)
}
