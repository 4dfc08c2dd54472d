/**
 * Host preparation: directories in m3fs's layout, the FoundationDB cluster file where 3FS services read
 * it, kernel settings for storage, the mount point, and what the network type needs on the host (soft-RoCE
 * devices for RXE, the ERDMA verbs provider, an ibdev2netdev for the containers).
 */
import {servicesOf} from '../../cluster/services.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {ERDMA_DRIVER_FILE, ERDMA_PROVIDER_IN_CONTAINER, rdmaHostFiles, run, writeFile} from './common.js'

/** 3FS's deploy guide sets this for storage (async I/O contexts for many targets). */
export const AIO_MAX_NR = 67_108_864

/** Services whose containers read the FoundationDB cluster file (mgmtd's dir also serves admin_cli). */
const FDB_READERS = ['mgmtd', 'meta'] as const

const THREEFS_SERVICES = ['monitor', 'mgmtd', 'meta', 'storage', 'client'] as const

/**
 * 3FS looks up the NIC of an RDMA device with ibdev2netdev, which its image does not have. This one reads
 * sysfs: one line per device port, "<device> port <n> ==> <netdev> (Up|Down)", the format of rdma-core's tool.
 */
export const IBDEV2NETDEV_SCRIPT = [
  '#!/bin/sh',
  '# ibdev2netdev for 3FS containers, written by 3fs-cli deploy: RDMA device ports and their network devices, from sysfs.',
  'for dev in /sys/class/infiniband/*; do',
  '  [ -e "$dev" ] || continue',
  '  for port in "$dev"/ports/*; do',
  '    net=$(cat "$port/gid_attrs/ndevs/0" 2>/dev/null)',
  '    [ -n "$net" ] || net=$(ls "$dev/device/net" 2>/dev/null | head -n 1)',
  '    [ -n "$net" ] || continue',
  '    [ "$(cat "/sys/class/net/$net/operstate" 2>/dev/null)" = up ] && state=Up || state=Down',
  '    echo "${dev##*/} port ${port##*/} ==> $net ($state)"',
  '  done',
  'done',
  '',
].join('\n')

/**
 * Soft-RoCE on the NIC that holds the node's address: the rdma_rxe module (now and at boot) and one rxe
 * device on that NIC unless it has one. Nothing is changed on a NIC that already carries an rxe device.
 */
export function rxeScript(address: string): string {
  return [
    'set -e',
    `addr=$(getent ahostsv4 ${shellQuote(address)} | awk 'NR==1 {print $1}')`,
    `[ -n "$addr" ] || { echo ${shellQuote(`cannot resolve ${address} to an IPv4 address`)} >&2; exit 1; }`,
    'nic=$(ip -o -4 addr show | awk -v a="$addr" \'{split($4, p, "/"); if (p[1] == a) {print $2; exit}}\')',
    '[ -n "$nic" ] || { echo "no network device holds $addr, so soft-RoCE has no NIC to run on" >&2; exit 1; }',
    'modprobe rdma_rxe || { echo "the rdma_rxe module cannot be loaded: install the kernel\'s extra modules (linux-modules-extra) or use another networkType" >&2; exit 1; }',
    'echo rdma_rxe > /etc/modules-load.d/3fs-rxe.conf',
    'if rdma link show | grep -q " netdev $nic\\( \\|$\\)"; then echo "$nic already carries an rxe device"; else rdma link add "rxe_$nic" type rxe netdev "$nic"; echo "rxe_$nic on $nic"; fi',
  ].join('\n')
}

export function hostActions(context: DeployContext): Action[] {
  const actions: Action[] = []
  const files = rdmaHostFiles(context)
  for (const node of context.cluster.nodes) {
    const services = servicesOf(context.cluster, node.name).filter(
      (service) => service !== 'postgresql' && service !== 'grafana',
    )
    if (services.length === 0) continue
    const threefs = services.filter((service) => (THREEFS_SERVICES as readonly string[]).includes(service))
    const dirs = [
      context.paths.state,
      ...threefs.flatMap((service) => [context.paths.etc(service), context.paths.log(service)]),
    ]
    actions.push(
      run(
        node.name,
        'host',
        'mkdir',
        `create ${context.workDir} directories`,
        `mkdir -p ${dirs.map(shellQuote).join(' ')}`,
        'mkdir',
      ),
    )
    for (const service of FDB_READERS.filter((reader) => services.includes(reader))) {
      actions.push(
        writeFile(node.name, 'host', context.paths.fdbClusterFile(service), `${context.fdbClusterFile}\n`, {
          description: `write the FoundationDB cluster file for ${service}`,
        }),
      )
    }
    const rdmaUser = threefs.some((service) => service !== 'monitor')
    if (rdmaUser && context.networkType === 'RXE')
      actions.push(
        run(
          node.name,
          'host',
          'rxe',
          'soft-RoCE: rdma_rxe and an rxe device on the NIC of the node address',
          rxeScript(node.host),
        ),
      )
    if (rdmaUser && context.networkType === 'ERDMA') {
      actions.push(
        run(
          node.name,
          'host',
          'erdma-provider',
          `keep the host's ERDMA verbs provider for the containers (${files.erdmaProvider})`,
          [
            'set -e',
            `[ -f ${ERDMA_DRIVER_FILE} ] || { echo "no ${ERDMA_DRIVER_FILE}: install the ERDMA driver and rdma-core on the host" >&2; exit 1; }`,
            `mkdir -p ${shellQuote(files.erdmaProvider.slice(0, files.erdmaProvider.lastIndexOf('/')))}`,
            // The host's file is a versioned symlink (m3fs resolves it with readlink -f); a copy keeps the container's mount stable.
            `cp -L ${ERDMA_PROVIDER_IN_CONTAINER} ${shellQuote(files.erdmaProvider)}`,
          ].join('\n'),
        ),
      )
    }
    if (rdmaUser && (context.networkType === 'RXE' || context.networkType === 'ERDMA')) {
      actions.push(
        writeFile(node.name, 'host', files.ibdev2netdev, IBDEV2NETDEV_SCRIPT, {
          mode: '0755',
          description: `write ${files.ibdev2netdev} (mounted as /usr/sbin/ibdev2netdev in 3FS containers)`,
        }),
      )
    }
    if (services.includes('storage')) {
      actions.push(
        run(
          node.name,
          'host',
          'sysctl-aio',
          `fs.aio-max-nr = ${AIO_MAX_NR} (now and at boot)`,
          `printf 'fs.aio-max-nr = ${AIO_MAX_NR}\\n' > /etc/sysctl.d/90-3fs.conf && sysctl -q -w fs.aio-max-nr=${AIO_MAX_NR}`,
        ),
      )
    }
    if (services.includes('client')) {
      actions.push(
        run(
          node.name,
          'host',
          'mountpoint',
          `create the mount point ${context.mountpoint}`,
          `mkdir -p ${shellQuote(context.mountpoint)}`,
          'mkdir',
        ),
      )
    }
  }
  return actions
}
