/** A client node: FUSE, /dev/shm for usrbio, the mount point itself, and whether its mount reaches the host. */
import {shellQuote} from '../../../remote/shell.js'
import type {PreflightRule} from '../model.js'
import {keyValues} from '../model.js'

const MIN_SHM_BYTES = 1024 ** 3

export const fuseRule: PreflightRule = {
  check: 'fuse',
  appliesTo: ({services}) => services.includes('client'),
  probe: () => ['S fuse; if [ -e /dev/fuse ]; then echo dev; fi; grep -qw fuse /proc/filesystems && echo fs || true'],
  judge: ({text}) =>
    text('fuse').includes('dev')
      ? {check: 'fuse', status: 'ok', detail: '/dev/fuse present'}
      : {
          check: 'fuse',
          status: 'fail',
          detail: 'no /dev/fuse',
          fix: 'Load FUSE: modprobe fuse (and add it to /etc/modules-load.d).',
        },
}

export const shmRule: PreflightRule = {
  check: 'shm',
  appliesTo: ({services}) => services.includes('client'),
  probe: () => ["S shm; df -P -B1 /dev/shm | awk 'NR==2{print $2}'"],
  judge: ({text}) => {
    const shm = Number(text('shm'))
    return shm >= MIN_SHM_BYTES
      ? {
          check: 'shm',
          status: 'ok',
          detail: `/dev/shm ${(shm / 1024 ** 3).toFixed(1)} GiB (usrbio rings and buffers live there)`,
        }
      : {
          check: 'shm',
          status: 'fail',
          detail: `/dev/shm is only ${(shm / 1024 ** 2).toFixed(0)} MiB; usrbio needs room for its rings and I/O buffers`,
          fix: 'Enlarge it: mount -o remount,size=16G /dev/shm (and in /etc/fstab).',
        }
  },
}

export const mountpointRule: PreflightRule = {
  check: 'mountpoint',
  appliesTo: ({services}) => services.includes('client'),
  probe: ({context}) => {
    const mp = shellQuote(context.mountpoint)
    return [
      `S mountpoint; echo "FSTYPE=$(findmnt -n -o FSTYPE --mountpoint ${mp} 2>/dev/null)"; if [ -d ${mp} ]; then echo "EXISTS=1"; echo "ENTRIES=$(ls -A ${mp} 2>/dev/null | head -n 3 | tr '\\n' ' ')"; else echo "EXISTS=0"; fi`,
    ]
  },
  judge: ({context, text}) => {
    const mp = keyValues(text('mountpoint'))
    if (mp.FSTYPE === 'fuse.hf3fs')
      return {check: 'mountpoint', status: 'ok', detail: `${context.mountpoint} is already 3FS`}
    if (mp.FSTYPE)
      return {
        check: 'mountpoint',
        status: 'fail',
        detail: `${context.mountpoint} is a ${mp.FSTYPE} mount`,
        fix: 'Unmount it or choose another services.client.hostMountpoint.',
      }
    if (mp.ENTRIES)
      return {
        check: 'mountpoint',
        status: 'fail',
        detail: `${context.mountpoint} is a non-empty directory (${mp.ENTRIES}); mounting 3FS over it would hide those files`,
        fix: 'Move the files away or choose another hostMountpoint.',
      }
    return {
      check: 'mountpoint',
      status: 'ok',
      detail: mp.EXISTS === '1' ? `${context.mountpoint} empty` : `${context.mountpoint} will be created`,
    }
  },
}

/**
 * The fuse container mounts 3FS at the mount point inside a bind with bind-propagation=rshared
 * (services/client.ts); the engine refuses that bind unless the host mount holding the path is shared
 * ("... is mounted on ... but it is not a shared mount"), and without it the mount would never reach the
 * host. systemd makes / shared at boot; a chroot, an LXC node or a `mount --make-private` makes it private.
 */
export const propagationRule: PreflightRule = {
  check: 'propagation',
  appliesTo: ({services}) => services.includes('client'),
  probe: ({context}) => [
    `S propagation; d=${shellQuote(context.mountpoint)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; findmnt -n -o TARGET,PROPAGATION --target "$d" 2>/dev/null | tail -n 1`,
  ],
  judge: ({context, text}) => {
    const line = text('propagation')
    const at = line.lastIndexOf(' ')
    if (line === '' || at < 0)
      return {
        check: 'propagation',
        status: 'warn',
        detail: `could not read the propagation of the mount holding ${context.mountpoint} (findmnt missing?)`,
      }
    const target = line.slice(0, at).trim()
    const propagation = line.slice(at + 1)
    if (propagation.split(',').includes('shared'))
      return {check: 'propagation', status: 'ok', detail: `${context.mountpoint} is on ${target} (${propagation})`}
    return {
      check: 'propagation',
      status: 'fail',
      detail: `${context.mountpoint} is on the mount ${target}, whose propagation is ${propagation}: the engine refuses the fuse container's rshared bind, and the 3FS mount would not reach the host`,
      fix: `mount --make-rshared ${target} (systemd makes / shared at boot; find what made it ${propagation})`,
    }
  },
}
