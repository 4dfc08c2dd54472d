/** Preflight verdicts from probe sections as Linux prints them: every missing piece named with its fix. */
import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {deployContext} from '../../src/deploy/context.js'
import {judgeNode} from '../../src/deploy/preflight.js'

const CLUSTER = `name: pf
nodes:
  - {name: a, host: 10.0.0.1, username: root}
  - {name: b, host: 10.0.0.2, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a], stripeSize: 8}
  meta: {nodes: [a]}
  storage: {nodes: [a, b], diskNumPerNode: 2, replicationFactor: 2, targetNumPerDisk: 4}
  client: {nodes: [b]}
`

const GOOD: Record<string, string> = {
  kernel: '6.8.0-45-generic\n',
  runtime: 'PATH=/usr/bin/docker\nSERVER=27.3.1\n',
  containers: '',
  cpu: 'avx512f\n',
  rdma: 'mlx5_0\nmlx5_1\n',
  nics: 'lo\nens1f0np0\nib0\n',
  listeners: '0.0.0.0:22\n127.0.0.53%lo:53\n[::]:22\n',
  addresses:
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n2: ens1f0np0    inet 10.0.0.2/24 brd 10.0.0.255 scope global ens1f0np0\\       valid_lft forever preferred_lft forever\n',
  nofile: 'NR_OPEN=1048576\nRAISE=ok\nENGINE=containerd 1048576\n',
  memlock: 'RAISE=ok\nENGINE=containerd unlimited\n',
  propagation: '/ shared\n',
  aio: '1048576\n',
  disks: [
    'NAME="nvme0n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME=""',
    'NAME="nvme1n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME=""',
  ].join('\n'),
  'dir-free': '500000000000\n',
  fuse: 'dev\nfs\n',
  shm: '68719476736\n',
  mountpoint: 'FSTYPE=\nEXISTS=0\n',
}

function checks(node: 'a' | 'b', overrides: Record<string, string>, yaml = CLUSTER) {
  const cluster = parseCluster(yaml, 'cluster.yml')
  const context = deployContext(cluster)
  const result = judgeNode(
    context,
    cluster.nodes.find((entry) => entry.name === node)!,
    {...GOOD, ...overrides},
  )
  return Object.fromEntries(result.map((check) => [check.check, check]))
}

describe('preflight checks', () => {
  it('passes a well-prepared storage + client node, with only the aio-max-nr note deploy fixes itself', () => {
    const result = checks('b', {})
    expect(
      Object.entries(result)
        .filter(([, check]) => check.status !== 'ok')
        .map(([name]) => name),
    ).toEqual(['aio-max-nr'])
    expect(result.disks!.detail).toContain('2 usable NVMe disk(s) for 2')
  })

  it('names each missing piece with what to do', () => {
    const result = checks('b', {
      runtime:
        'PATH=/usr/bin/docker\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      cpu: 'none\n',
      rdma: '',
      nics: 'lo\nwlp2s0\n',
      listeners: '0.0.0.0:22\n0.0.0.0:8002\n',
      disks: 'NAME="nvme0n1" TYPE="disk" SIZE="1" MOUNTPOINT="/" LABEL="" FSTYPE="ext4" PKNAME=""\n',
      fuse: '',
      shm: '67108864\n',
      mountpoint: 'FSTYPE=\nEXISTS=1\nENTRIES=notes.txt \n',
    })
    expect(result.runtime).toMatchObject({status: 'fail', fix: 'Start it: systemctl start docker'})
    expect(result.cpu).toMatchObject({status: 'fail', fix: 'Use the AVX2 build: images.3fs.tag: 20250410-avx2'})
    expect(result.rdma!.status).toBe('fail')
    expect(result.nic!.detail).toMatch(/no NIC named en\*, eth\*, bond\*, xgbe\* or ib\* \(found lo, wlp2s0\)/)
    expect(result.ports!.detail).toBe('in use by something else: 8002 (storage) on every address')
    expect(result.disks!.detail).toMatch(/0 usable NVMe disk\(s\).*2 needed/)
    expect(result.fuse!.fix).toMatch(/modprobe fuse/)
    expect(result.shm!.detail).toMatch(/only 64 MiB/)
    expect(result.mountpoint!.detail).toMatch(/non-empty directory \(notes.txt\)/)
  })

  it("accepts ports held by this cluster's own running containers (a re-run) and the AVX2 image on older CPUs", () => {
    const result = checks(
      'a',
      {
        listeners: ['4500', '8999', '10000', '8000', '9000', '8001', '9001', '8002', '9002']
          .map((port) => `*:${port}`)
          .join('\n'),
        containers: '3fs-fdb\n3fs-clickhouse\n3fs-monitor\n3fs-mgmtd\n3fs-meta\n3fs-storage\n',
        cpu: 'none\n',
      },
      CLUSTER.replace('services:', 'images: {3fs: {repo: open3fs/3fs, tag: 20250410-avx2}}\nservices:'),
    )
    expect(result.ports!.status).toBe('ok')
    expect(result.cpu).toMatchObject({status: 'ok', detail: 'no AVX-512, image 20250410-avx2 is the AVX2 build'})
  })

  it('passes networkType RXE without a device when rdma_rxe can load (deploy creates the device), fails without the module, and a dir-mode node only needs free space', () => {
    const rxe = checks(
      'a',
      {rdma: '', 'rxe-module': '/lib/modules/6.8.0/kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko\n'},
      CLUSTER.replace('name: pf', 'name: pf\nnetworkType: RXE'),
    )
    expect(rxe.rdma).toMatchObject({status: 'ok', detail: expect.stringContaining('deploy loads rdma_rxe')})
    const noModule = checks(
      'a',
      {rdma: '', 'rxe-module': ''},
      CLUSTER.replace('name: pf', 'name: pf\nnetworkType: RXE'),
    )
    expect(noModule.rdma).toMatchObject({status: 'fail', fix: expect.stringContaining('linux-modules-extra')})
    const dir = checks(
      'a',
      {'dir-free': '5000000000\n'},
      CLUSTER.replace('diskNumPerNode: 2,', 'diskType: dir, diskNumPerNode: 2,'),
    )
    expect(dir.disks).toMatchObject({status: 'warn'})
  })
})
