/** What the 3FS image needs of the machine: its CPU build, RDMA devices for the network type, NIC names. */
import type {PreflightRule} from '../model.js'
import {runsThreefs} from '../model.js'

export const cpuRule: PreflightRule = {
  check: 'cpu',
  appliesTo: ({services}) => runsThreefs(services),
  probe: () => ['S cpu; grep -m1 -o -w avx512f /proc/cpuinfo || echo none'],
  judge: ({context, text}) => {
    const avx512 = text('cpu') === 'avx512f'
    const tag = context.cluster.config.images['3fs'].tag
    if (avx512 || tag.endsWith('-avx2'))
      return {check: 'cpu', status: 'ok', detail: avx512 ? 'AVX-512' : `no AVX-512, image ${tag} is the AVX2 build`}
    return {
      check: 'cpu',
      status: 'fail',
      detail: 'the CPU has no AVX-512, which the default 3FS image needs',
      fix: `Use the AVX2 build: images.3fs.tag: ${tag}-avx2`,
    }
  },
}

export const rdmaRule: PreflightRule = {
  check: 'rdma',
  appliesTo: ({services}) => runsThreefs(services),
  probe: () => [
    'S rdma; ls /sys/class/infiniband 2>/dev/null || true',
    'S rxe-module; modinfo -n rdma_rxe 2>/dev/null || true',
  ],
  judge: ({context, text}) => {
    const devices = text('rdma').split(/\s+/).filter(Boolean)
    const type = context.networkType
    if (devices.length > 0) return {check: 'rdma', status: 'ok', detail: `${type}: ${devices.join(', ')}`}
    // deploy's host stage creates the rxe device on the NIC of the node address (services/host.ts rxeScript).
    if (type === 'RXE' && text('rxe-module'))
      return {
        check: 'rdma',
        status: 'ok',
        detail: 'no RDMA device yet; deploy loads rdma_rxe and adds an rxe device on the NIC of the node address',
      }
    if (type === 'RXE')
      return {
        check: 'rdma',
        status: 'fail',
        detail: 'no RDMA device for networkType RXE and no rdma_rxe module',
        fix: "Install the kernel's extra modules (Debian/Ubuntu: linux-modules-extra-$(uname -r)) so that rdma_rxe loads, and rdma-core (the rdma tool).",
      }
    return {
      check: 'rdma',
      status: 'fail',
      detail: `no RDMA device in /sys/class/infiniband for networkType ${type}`,
      fix:
        type === 'ERDMA'
          ? 'Load the erdma driver (modprobe erdma).'
          : 'Install the NIC driver (MLNX_OFED or rdma-core) so ibv_devices lists the card, or use networkType: RXE for soft-RoCE.',
    }
  },
}

/**
 * NIC names 3FS's listeners bind: en*, eth*, bond*, xgbe* for TCP and RDMA, ib* for IPoIB
 * (3FS ee9a5ce src/common/net/Listener.cc:33-46 checkNicType).
 */
export const THREEFS_NIC = /^(en|eth|bond|xgbe|ib)/

export const nicRule: PreflightRule = {
  check: 'nic',
  appliesTo: ({services}) => runsThreefs(services),
  probe: () => ['S nics; ls /sys/class/net'],
  judge: ({text}) => {
    const nics = text('nics').split(/\s+/).filter(Boolean)
    const usable = nics.filter((nic) => THREEFS_NIC.test(nic))
    return usable.length > 0
      ? {check: 'nic', status: 'ok', detail: usable.join(', ')}
      : {
          check: 'nic',
          status: 'fail',
          detail: `no NIC named en*, eth*, bond*, xgbe* or ib* (found ${nics.join(', ') || 'none'})`,
          fix: '3FS listeners only bind such NICs: rename the interface (udev/systemd-networkd .link file).',
        }
  },
}
