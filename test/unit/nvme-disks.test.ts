/**
 * The NVMe data disk script deploy runs on storage nodes, run for real by sh here against DISK TOOL
 * DOUBLES (lsblk, wipefs, blkid, mkfs.xfs, findmnt, mount stand-ins on PATH that keep disk state in
 * files): no machine here has spare NVMe disks to format. What it pins down: only blank disks are ever
 * formatted, labels make a re-run format nothing, fstab gets one boot-time entry per disk, and a missing
 * disk stops the script with a message. Left unverified: real mkfs.xfs, mount and udev label lookup.
 */
import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {wipeDisksScript} from '../../src/deploy/destroy.js'
import {nvmeDiskScript} from '../../src/deploy/services/storage.js'

const TOOL_DOUBLE = `#!/bin/sh
# Disk tool double: state under $DISKS (one dir per disk: fs, label, children, mountpoint files).
# $DISKS/fail-<tool> makes that tool fail as a real one does on a busy device or without permission:
# no output on stdout, a message on stderr, a non-zero exit.
tool=$(basename "$0")
echo "$tool $*" >> "$DISKS/calls.log"
if [ -f "$DISKS/fail-$tool" ]; then echo "$tool: $(cat "$DISKS/fail-$tool")" >&2; exit 1; fi
case "$tool" in
  lsblk)
    if [ "$1" = -dn ]; then for d in "$DISKS"/dev/*; do echo "$(basename "$d") disk"; done; exit 0; fi
    dev=$(basename "$4")
    if [ "$3" = MOUNTPOINT ]; then cat "$DISKS/dev/$dev/mountpoint" 2>/dev/null || echo; exit 0; fi
    echo "$dev"; [ -f "$DISKS/dev/$dev/children" ] && cat "$DISKS/dev/$dev/children"; exit 0 ;;
  wipefs)
    if [ "$1" = -a ]; then dev=$(basename "$2"); rm -f "$DISKS/dev/$dev/fs" "$DISKS/dev/$dev/label"; exit 0; fi
    dev=$(basename "$2"); if [ -f "$DISKS/dev/$dev/fs" ]; then echo "DEVICE OFFSET TYPE UUID LABEL"; echo "$dev 0x0 $(cat "$DISKS/dev/$dev/fs")"; fi; exit 0 ;;
  blkid)
    if [ "$1" = -p ]; then
      dev=$(basename "$2"); [ -f "$DISKS/dev/$dev/fs" ] || exit 2
      echo "$2: TYPE="$(cat "$DISKS/dev/$dev/fs")""; exit 0
    fi
    for d in "$DISKS"/dev/*; do [ "$(cat "$d/label" 2>/dev/null)" = "$2" ] && { echo "/dev/$(basename "$d")"; exit 0; }; done; exit 2 ;;
  mkfs.xfs)
    for dev; do :; done; label=""; prev=""
    for a; do [ "$prev" = -L ] && label=$a; prev=$a; done
    d="$DISKS/dev/$(basename "$dev")"
    # Like mkfs.xfs without -f: an existing signature is refused.
    if [ -f "$d/fs" ] && [ "$1" != -f ] && [ "$2" != -f ]; then echo "mkfs.xfs: $dev appears to contain an existing filesystem ($(cat "$d/fs"))." >&2; exit 1; fi
    echo xfs > "$d/fs"; echo "$label" > "$d/label" ;;
  findmnt)
    grep -qx "$3" "$DISKS/mounts" 2>/dev/null ;;
  mount)
    echo "$3" >> "$DISKS/mounts" ;;
  umount)
    grep -vx "$1" "$DISKS/mounts" > "$DISKS/mounts.new" 2>/dev/null; mv "$DISKS/mounts.new" "$DISKS/mounts" ;;
esac
`

function machine(disks: Record<string, {fs?: string; label?: string; children?: string; mountpoint?: string}>) {
  const root = mkdtempSync(join(tmpdir(), 'nvme-'))
  const bin = join(root, 'bin')
  mkdirSync(bin)
  for (const tool of ['lsblk', 'wipefs', 'blkid', 'mkfs.xfs', 'findmnt', 'mount', 'umount']) {
    writeFileSync(join(bin, tool), TOOL_DOUBLE)
    chmodSync(join(bin, tool), 0o755)
  }
  for (const [name, disk] of Object.entries(disks)) {
    mkdirSync(join(root, 'dev', name), {recursive: true})
    if (disk.fs) writeFileSync(join(root, 'dev', name, 'fs'), disk.fs)
    if (disk.label) writeFileSync(join(root, 'dev', name, 'label'), disk.label)
    if (disk.children) writeFileSync(join(root, 'dev', name, 'children'), `${disk.children}\n`)
    if (disk.mountpoint) writeFileSync(join(root, 'dev', name, 'mountpoint'), `${disk.mountpoint}\n`)
  }
  writeFileSync(join(root, 'fstab'), '# existing\n')
  const dirs = [0, 1].map((index) => join(root, 'opt', 'storage', '3fsdata', `data${index}`))
  const run = () =>
    spawnSync('sh', ['-c', nvmeDiskScript(dirs, 4096, join(root, 'fstab'))], {
      encoding: 'utf8',
      env: {...process.env, PATH: `${bin}:${process.env.PATH}`, DISKS: root},
    })
  const wipe = () =>
    spawnSync('sh', ['-c', wipeDisksScript(dirs, join(root, 'fstab'))], {
      encoding: 'utf8',
      env: {...process.env, PATH: `${bin}:${process.env.PATH}`, DISKS: root},
    })
  const calls = () =>
    existsSync(join(root, 'calls.log')) ? readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n') : []
  const label = (name: string) =>
    existsSync(join(root, 'dev', name, 'label')) ? readFileSync(join(root, 'dev', name, 'label'), 'utf8').trim() : ''
  const failTool = (tool: string, message: string) => writeFileSync(join(root, `fail-${tool}`), message)
  return {root, dirs, run, wipe, calls, label, failTool, fstab: () => readFileSync(join(root, 'fstab'), 'utf8')}
}

describe('NVMe data disk preparation (disk tool doubles)', () => {
  it('formats only blank disks, never one with a filesystem or partitions, and mounts them by label now and at boot', () => {
    const node = machine({nvme0n1: {fs: 'ext4'}, nvme1n1: {}, nvme2n1: {children: 'nvme2n1p1'}, nvme3n1: {}})
    const result = node.run()
    expect(result.status, result.stderr).toBe(0)
    const formats = node.calls().filter((call) => call.startsWith('mkfs.xfs'))
    expect(formats).toEqual([
      'mkfs.xfs -q -s size=4096 -L 3fs-data-0 /dev/nvme1n1',
      'mkfs.xfs -q -s size=4096 -L 3fs-data-1 /dev/nvme3n1',
    ])
    expect(node.label('nvme0n1')).toBe('')
    expect(node.fstab()).toBe(
      `# existing\nLABEL=3fs-data-0 ${node.dirs[0]} xfs defaults,nofail 0 0\nLABEL=3fs-data-1 ${node.dirs[1]} xfs defaults,nofail 0 0\n`,
    )
    expect(readFileSync(join(node.root, 'mounts'), 'utf8').trim().split('\n')).toEqual(node.dirs)
  })

  it('formats nothing on a re-run: labelled disks are found by label, fstab and mounts are not repeated', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {}})
    expect(node.run().status).toBe(0)
    const before = node.calls().length
    expect(node.run().status).toBe(0)
    const again = node.calls().slice(before)
    expect(again.filter((call) => call.startsWith('mkfs.xfs') || call.startsWith('mount'))).toEqual([])
    expect(node.fstab().match(/LABEL=3fs-data/g)).toHaveLength(2)
  })

  it('stops with a clear message when there are not enough blank disks, after formatting none it should not', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {fs: 'xfs', label: 'scratch'}})
    const result = node.run()
    expect(result.status).toBe(3)
    expect(result.stderr).toContain(
      'no disk for data1: found no disk labelled 3fs-data-1 and no blank NVMe disk left (disks with partitions or a filesystem, or whose probe failed, are never formatted). Passed over; /dev/nvme1n1: has a signature',
    )
    expect(node.label('nvme1n1')).toBe('scratch')
  })
  it('formats nothing when wipefs fails: a disk whose probe failed is never taken for blank (an xfs disk labelled "precious" survives)', () => {
    // The defect: `wipefs -n dev 2>/dev/null` printing nothing because it FAILED read as "no signature".
    const node = machine({nvme0n1: {fs: 'xfs', label: 'precious'}})
    node.failTool('wipefs', 'error: /dev/nvme0n1: probing initialization failed: Device or resource busy')
    const result = node.run()
    expect(result.status).toBe(3)
    expect(node.calls().filter((call) => call.startsWith('mkfs.xfs'))).toEqual([])
    expect(node.label('nvme0n1')).toBe('precious')
    expect(result.stderr).toContain(
      '/dev/nvme0n1: wipefs failed: wipefs: error: /dev/nvme0n1: probing initialization failed: Device or resource busy',
    )
  })

  it.each([
    ['lsblk', 'lsblk failed, so no disk can be checked'],
    ['blkid', 'blkid -L 3fs-data-0 failed (exit 1)'],
  ])('formats nothing and says why when %s fails', (tool, message) => {
    const node = machine({nvme0n1: {}, nvme1n1: {}})
    node.failTool(tool, 'permission denied')
    const result = node.run()
    expect(result.status).toBe(3)
    expect(result.stderr).toContain(message)
    expect(node.calls().filter((call) => call.startsWith('mkfs.xfs'))).toEqual([])
  })

  it('passes over a mounted disk and names where it is mounted', () => {
    const node = machine({nvme0n1: {mountpoint: '/srv/scratch'}, nvme1n1: {}})
    const result = node.run()
    expect(result.status).toBe(3)
    expect(result.stderr).toContain('/dev/nvme0n1: mounted at /srv/scratch')
    expect(node.calls().filter((call) => call.startsWith('mkfs.xfs'))).toEqual([
      'mkfs.xfs -q -s size=4096 -L 3fs-data-0 /dev/nvme1n1',
    ])
  })

  it('stops when mkfs.xfs refuses (another writer put a filesystem there since the probe): it is never forced', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {}})
    node.failTool('mkfs.xfs', '/dev/nvme0n1 appears to contain an existing filesystem (xfs).')
    const result = node.run()
    expect(result.status).toBe(3)
    expect(result.stderr).toContain('mkfs.xfs on /dev/nvme0n1 failed; nothing else was formatted')
    expect(node.calls().filter((call) => call.startsWith('mkfs.xfs'))).toHaveLength(1)
    expect(node.calls().some((call) => call.includes(' -f '))).toBe(false)
  })
})

describe('destroy --wipe-disks (disk tool doubles)', () => {
  it('unmounts and wipes exactly the disks labelled 3fs-data-*, drops their fstab lines, and keeps every other disk and line', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {}, nvme2n1: {fs: 'ext4', label: 'home'}})
    expect(node.run().status).toBe(0)
    expect(node.label('nvme0n1')).toBe('3fs-data-0')
    writeFileSync(join(node.root, 'fstab'), `${node.fstab()}LABEL=home /home ext4 defaults 0 0\n`)
    const before = node.calls().length
    const result = node.wipe()
    expect(result.status, result.stderr).toBe(0)
    const calls = node.calls().slice(before)
    expect(calls.filter((call) => /^(umount|wipefs)/.test(call))).toEqual([
      `umount ${node.dirs[0]}`,
      'wipefs -a /dev/nvme0n1',
      `umount ${node.dirs[1]}`,
      'wipefs -a /dev/nvme1n1',
    ])
    expect([node.label('nvme0n1'), node.label('nvme1n1'), node.label('nvme2n1')]).toEqual(['', '', 'home'])
    expect(existsSync(join(node.root, 'dev', 'nvme2n1', 'fs'))).toBe(true)
    expect(node.fstab()).toBe('# existing\nLABEL=home /home ext4 defaults 0 0\n')
    // A second wipe finds no labelled disk and wipes nothing.
    const again = node.calls().length
    expect(node.wipe().status).toBe(0)
    expect(
      node
        .calls()
        .slice(again)
        .filter((call) => call.startsWith('wipefs')),
    ).toEqual([])
  })

  it('fails naming blkid, wiping nothing, when blkid cannot look for the label (not taken for "no such disk")', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {}})
    expect(node.run().status).toBe(0)
    node.failTool('blkid', 'error: cannot open /run/blkid/blkid.tab: Permission denied')
    const before = node.calls().length
    const result = node.wipe()
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('blkid -L 3fs-data-0 failed (exit 1)')
    expect(
      node
        .calls()
        .slice(before)
        .filter((call) => call.startsWith('wipefs')),
    ).toEqual([])
    expect(node.label('nvme0n1')).toBe('3fs-data-0')
    expect(node.fstab()).toContain('LABEL=3fs-data-0 ')
  })

  it('fails (non-zero, the fstab line kept) when wipefs cannot erase a labelled disk', () => {
    const node = machine({nvme0n1: {}, nvme1n1: {}})
    expect(node.run().status).toBe(0)
    node.failTool('wipefs', 'error: /dev/nvme0n1: probing initialization failed: Device or resource busy')
    const result = node.wipe()
    expect(result.status).not.toBe(0)
    expect(node.label('nvme0n1')).toBe('3fs-data-0')
    expect(node.fstab()).toContain('LABEL=3fs-data-0 ')
    expect(node.fstab()).toContain('LABEL=3fs-data-1 ')
  })
})
