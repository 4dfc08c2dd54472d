/**
 * Preflight: per node, at once, before anything is changed. One probe script per node gathers facts
 * (sections as status uses), and each check turns them into ok / warn / fail with the fix.
 */
import {servicesOf} from '../cluster/services.js'
import type {Cluster, ClusterNode} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'
import {RemoteError, remoteDetail} from '../remote/errors.js'
import {fanOut} from '../remote/fanout.js'
import type {HostPool} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'
import {aptInstallHint, describeMissing, lddScript, parseLddScript, usrbioLibraryCandidates} from '../remote/library-deps.js'
import {SECTION_FUNCTION, splitSections} from '../status/probe-scripts.js'
import {deployContext, type DeployContext} from './context.js'
import {AIO_MAX_NR} from './services/host.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface CheckResult {
  check: string
  status: CheckStatus
  detail: string
  fix?: string
}

export interface NodeChecks {
  node: string
  host: string
  services: ServiceName[]
  checks: CheckResult[]
  ok: boolean
}

export interface PreflightReport {
  nodes: NodeChecks[]
  ok: boolean
  failed: number
  warnings: number
  unreachable: number
}

export const CHECK_NAMES = ['ssh', 'sudo', 'runtime', 'kernel', 'fuse', 'cpu', 'rdma', 'nic', 'ports', 'disks', 'aio-max-nr', 'memlock', 'shm', 'mountpoint', 'libraries'] as const

const MIN_SHM_BYTES = 1024 ** 3
const MIN_DIR_FREE_BYTES = 10 * 1024 ** 3
const THREEFS_SERVICES: ServiceName[] = ['monitor', 'mgmtd', 'meta', 'storage', 'client']

export function preflightScript(context: DeployContext, node: ClusterNode): string {
  const rt = shellQuote(context.runtime)
  const services = servicesOf(context.cluster, node.name)
  const lines = [
    SECTION_FUNCTION,
    'S kernel; uname -r',
    `S runtime; if command -v ${rt} >/dev/null 2>&1; then echo "PATH=$(command -v ${rt})"; timeout 20 ${rt} version --format 'SERVER={{.Server.Version}}' 2>&1 | tail -n 2; else echo missing; fi`,
    `S containers; timeout 20 ${rt} ps --format '{{.Names}}' 2>/dev/null || true`,
    'S cpu; grep -m1 -o -w avx512f /proc/cpuinfo || echo none',
    'S rdma; ls /sys/class/infiniband 2>/dev/null || true',
    'S rxe-module; modinfo -n rdma_rxe 2>/dev/null || true',
    'S nics; ls /sys/class/net',
    'S ports; (ss -Hltnu 2>/dev/null || netstat -ltnu 2>/dev/null) | awk \'{print $5}\' | sed -n \'s/.*:\\([0-9][0-9]*\\)$/\\1/p\' | sort -un',
    'S memlock; ulimit -l',
  ]
  if (services.includes('storage')) {
    lines.push('S aio; sysctl -n fs.aio-max-nr 2>/dev/null || cat /proc/sys/fs/aio-max-nr')
    lines.push("S disks; lsblk -P -b -o NAME,TYPE,SIZE,MOUNTPOINT,LABEL,FSTYPE,PKNAME 2>/dev/null || true")
    lines.push(`S dir-free; d=${shellQuote(context.workDir)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -P -B1 "$d" | awk 'NR==2{print $4}'`)
  }
  if (services.includes('client')) {
    const mp = shellQuote(context.mountpoint)
    lines.push('S fuse; if [ -e /dev/fuse ]; then echo dev; fi; grep -qw fuse /proc/filesystems && echo fs || true')
    lines.push("S shm; df -P -B1 /dev/shm | awk 'NR==2{print $2}'")
    // The usrbio library where 3fs-cli and 3FS put it, and the duckdb-3fs extension of the login user.
    const home = `"$(getent passwd ${shellQuote(node.username)} | cut -d: -f6)"`
    lines.push(`S libraries; ${lddScript(usrbioLibraryCandidates(context.workDir), `${context.workDir}/duckdb/lib`, [`${home}/.duckdb/extensions/*/*/threefs.duckdb_extension`])}`)
    lines.push(`S mountpoint; echo "FSTYPE=$(findmnt -n -o FSTYPE --mountpoint ${mp} 2>/dev/null)"; if [ -d ${mp} ]; then echo "EXISTS=1"; echo "ENTRIES=$(ls -A ${mp} 2>/dev/null | head -n 3 | tr '\\n' ' ')"; else echo "EXISTS=0"; fi`)
  }
  return lines.join('\n')
}

/** Ports each service listens on, from cluster.yml. */
export function portsOf(cluster: Cluster, service: ServiceName): number[] {
  const s = cluster.config.services
  switch (service) {
    case 'fdb':
      return [s.fdb?.port ?? 4500]
    case 'clickhouse':
      return [s.clickhouse?.tcpPort ?? 8999]
    case 'monitor':
      return [s.monitor?.port ?? 10_000]
    case 'mgmtd':
      return [s.mgmtd!.rdmaListenPort, s.mgmtd!.tcpListenPort]
    case 'meta':
      return [s.meta!.rdmaListenPort, s.meta!.tcpListenPort]
    case 'storage':
      return [s.storage!.rdmaListenPort, s.storage!.tcpListenPort]
    default:
      return []
  }
}

export function judgeNode(context: DeployContext, node: ClusterNode, sections: Record<string, string>): CheckResult[] {
  const {cluster} = context
  const services = servicesOf(cluster, node.name)
  const checks: CheckResult[] = [
    {check: 'ssh', status: 'ok', detail: `${node.username}@${node.host}:${node.port}`},
    {check: 'sudo', status: 'ok', detail: node.username === 'root' ? 'logged in as root' : 'sudo works'},
  ]
  const text = (name: string) => (sections[name] ?? '').trim()
  const runtime = text('runtime')
  if (runtime === 'missing' || runtime === '') {
    checks.push({check: 'runtime', status: 'fail', detail: `${context.runtime} not found`, fix: `Install a container engine (e.g. apt-get install docker.io) and start it; 3FS runs in containers from the ${context.images.threefs} image.`})
  } else {
    const server = /SERVER=(\S+)/.exec(runtime)?.[1]
    checks.push(server ? {check: 'runtime', status: 'ok', detail: `${context.runtime} ${server}`} : {check: 'runtime', status: 'fail', detail: `${context.runtime} is installed but its engine does not answer: ${runtime.split('\n').pop()}`, fix: `Start it: systemctl start ${context.runtime}`})
  }
  checks.push({check: 'kernel', status: 'ok', detail: text('kernel') || 'unknown'})
  const needs3fs = services.some((service) => THREEFS_SERVICES.includes(service))
  if (needs3fs) {
    const avx512 = text('cpu') === 'avx512f'
    const tag = cluster.config.images['3fs'].tag
    if (avx512 || tag.endsWith('-avx2')) checks.push({check: 'cpu', status: 'ok', detail: avx512 ? 'AVX-512' : `no AVX-512, image ${tag} is the AVX2 build`})
    else checks.push({check: 'cpu', status: 'fail', detail: 'the CPU has no AVX-512, which the default 3FS image needs', fix: `Use the AVX2 build: images.3fs.tag: ${tag}-avx2`})
    const devices = text('rdma').split(/\s+/).filter(Boolean)
    const type = cluster.config.networkType.toUpperCase()
    if (devices.length > 0) checks.push({check: 'rdma', status: 'ok', detail: `${type}: ${devices.join(', ')}`})
    // deploy's host stage creates the rxe device on the NIC of the node address (services/host.ts rxeScript).
    else if (type === 'RXE' && text('rxe-module')) checks.push({check: 'rdma', status: 'ok', detail: 'no RDMA device yet; deploy loads rdma_rxe and adds an rxe device on the NIC of the node address'})
    else if (type === 'RXE') checks.push({check: 'rdma', status: 'fail', detail: 'no RDMA device for networkType RXE and no rdma_rxe module', fix: 'Install the kernel\'s extra modules (Debian/Ubuntu: linux-modules-extra-$(uname -r)) so that rdma_rxe loads, and rdma-core (the rdma tool).'})
    else checks.push({check: 'rdma', status: 'fail', detail: `no RDMA device in /sys/class/infiniband for networkType ${type}`, fix: type === 'ERDMA' ? 'Load the erdma driver (modprobe erdma).' : 'Install the NIC driver (MLNX_OFED or rdma-core) so ibv_devices lists the card, or use networkType: RXE for soft-RoCE.'})
    const nics = text('nics').split(/\s+/).filter(Boolean)
    const usable = nics.filter((nic) => /^(en|eth|bond|xgbe|ib)/.test(nic))
    checks.push(usable.length > 0 ? {check: 'nic', status: 'ok', detail: usable.join(', ')} : {check: 'nic', status: 'fail', detail: `no NIC named en*, eth*, bond*, xgbe* or ib* (found ${nics.join(', ') || 'none'})`, fix: '3FS listeners only bind such NICs: rename the interface (udev/systemd-networkd .link file).'})
  }
  // Ports: a port held by this cluster's own running container is the re-run case, not a clash.
  const listening = new Set(text('ports').split(/\s+/).filter(Boolean).map(Number))
  const running = new Set(text('containers').split(/\s+/).filter(Boolean))
  const clashes: string[] = []
  for (const service of services) {
    if (running.has(context.containers[service])) continue
    for (const port of portsOf(cluster, service)) if (listening.has(port)) clashes.push(`${port} (${service})`)
  }
  checks.push(clashes.length === 0 ? {check: 'ports', status: 'ok', detail: 'free'} : {check: 'ports', status: 'fail', detail: `in use by something else: ${clashes.join(', ')}`, fix: 'Stop what listens there (ss -ltnp shows it) or change the ports in cluster.yml.'})
  if (services.includes('storage')) {
    const storage = cluster.config.services.storage!
    if (storage.diskType === 'nvme') {
      const usable = usableNvmeDisks(text('disks'))
      checks.push(
        usable.length >= storage.diskNumPerNode
          ? {check: 'disks', status: 'ok', detail: `${usable.length} usable NVMe disk(s) for ${storage.diskNumPerNode}: ${usable.join(', ')}`}
          : {check: 'disks', status: 'fail', detail: `${usable.length} usable NVMe disk(s) (blank or labelled 3fs-data-*), ${storage.diskNumPerNode} needed`, fix: 'Free more NVMe disks (unmounted, no partitions or filesystem: wipefs -a only if it holds nothing you need), or lower diskNumPerNode, or use diskType: dir.'},
      )
    } else {
      const free = Number(text('dir-free'))
      checks.push(free >= MIN_DIR_FREE_BYTES ? {check: 'disks', status: 'ok', detail: `diskType dir, ${(free / 1024 ** 3).toFixed(0)} GiB free under ${context.workDir}`} : {check: 'disks', status: 'warn', detail: `only ${(free / 1024 ** 3).toFixed(1)} GiB free under ${context.workDir}`, fix: 'Free space, or point workDir at a larger filesystem.'})
    }
    const aio = Number(text('aio'))
    checks.push(aio >= AIO_MAX_NR ? {check: 'aio-max-nr', status: 'ok', detail: String(aio)} : {check: 'aio-max-nr', status: 'warn', detail: `${aio}, below ${AIO_MAX_NR}; deploy sets it (and at boot)`})
  }
  const memlock = text('memlock')
  checks.push({check: 'memlock', status: 'ok', detail: `${memlock || 'unknown'} for the login shell; 3FS containers run with memlock unlimited`})
  if (services.includes('client')) {
    const fuse = text('fuse')
    checks.push(fuse.includes('dev') ? {check: 'fuse', status: 'ok', detail: '/dev/fuse present'} : {check: 'fuse', status: 'fail', detail: 'no /dev/fuse', fix: 'Load FUSE: modprobe fuse (and add it to /etc/modules-load.d).'})
    const shm = Number(text('shm'))
    checks.push(shm >= MIN_SHM_BYTES ? {check: 'shm', status: 'ok', detail: `/dev/shm ${(shm / 1024 ** 3).toFixed(1)} GiB (usrbio rings and buffers live there)`} : {check: 'shm', status: 'fail', detail: `/dev/shm is only ${(shm / 1024 ** 2).toFixed(0)} MiB; usrbio needs room for its rings and I/O buffers`, fix: 'Enlarge it: mount -o remount,size=16G /dev/shm (and in /etc/fstab).'})
    const libraries = parseLddScript(text('libraries'))
    const broken = libraries.filter((entry) => entry.missing.length > 0)
    if (libraries.length === 0) checks.push({check: 'libraries', status: 'ok', detail: 'no libhf3fs_api_shared.so or duckdb-3fs extension installed yet'})
    else if (broken.length === 0) checks.push({check: 'libraries', status: 'ok', detail: `every library found for ${libraries.map((entry) => entry.file).join(', ')}`})
    else checks.push({check: 'libraries', status: 'warn', detail: `missing ${describeMissing(broken)}: usrbio and duckdb-3fs fail to load there`, fix: `Install them: ${aptInstallHint(broken) || 'find the packages with apt-file search'}.`})
    const mp = Object.fromEntries(text('mountpoint').split('\n').map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1).trim()]))
    if (mp.FSTYPE === 'fuse.hf3fs') checks.push({check: 'mountpoint', status: 'ok', detail: `${context.mountpoint} is already 3FS`})
    else if (mp.FSTYPE) checks.push({check: 'mountpoint', status: 'fail', detail: `${context.mountpoint} is a ${mp.FSTYPE} mount`, fix: `Unmount it or choose another services.client.hostMountpoint.`})
    else if (mp.ENTRIES) checks.push({check: 'mountpoint', status: 'fail', detail: `${context.mountpoint} is a non-empty directory (${mp.ENTRIES.trim()}); mounting 3FS over it would hide those files`, fix: 'Move the files away or choose another hostMountpoint.'})
    else checks.push({check: 'mountpoint', status: 'ok', detail: mp.EXISTS === '1' ? `${context.mountpoint} empty` : `${context.mountpoint} will be created`})
  }
  return checks
}

/** NVMe whole disks that are blank (no children, no filesystem, not mounted) or already labelled 3fs-data-*. */
export function usableNvmeDisks(lsblk: string): string[] {
  const rows = lsblk.split('\n').filter(Boolean).map((line) => Object.fromEntries([...line.matchAll(/([A-Z]+)="([^"]*)"/g)].map((match) => [match[1], match[2]])))
  const children = new Set(rows.filter((row) => row.PKNAME).map((row) => row.PKNAME))
  return rows
    .filter((row) => row.TYPE === 'disk' && /^nvme/.test(row.NAME ?? ''))
    .filter((row) => /^3fs-data-\d+$/.test(row.LABEL ?? '') || (!row.FSTYPE && !row.MOUNTPOINT && !children.has(row.NAME)))
    .map((row) => row.NAME!)
}

export interface PreflightOptions {
  cluster: Cluster
  pool: HostPool
  runtime?: string
  concurrency: number
  signal?: AbortSignal
  /** Checks reported but not failing (e.g. rdma on a test bed). */
  ignore?: string[]
}

export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const context = deployContext(options.cluster, options.runtime)
  const ignore = new Set(options.ignore ?? [])
  const outcomes = await fanOut(
    options.cluster.nodes,
    async (node, signal) => {
      const result = await options.pool.get(node).run(preflightScript(context, node), {sudo: true, signal, timeoutMs: 60_000, label: 'preflight probe'})
      return splitSections(result.stdout)
    },
    {concurrency: options.concurrency, signal: options.signal},
  )
  const nodes: NodeChecks[] = outcomes.map((outcome, index) => {
    const node = options.cluster.nodes[index]!
    const services = servicesOf(options.cluster, node.name)
    let checks: CheckResult[]
    if (outcome.ok) checks = judgeNode(context, node, outcome.value)
    else {
      const error = outcome.error
      const kind = error instanceof RemoteError ? error.kind : 'unknown'
      const message = remoteDetail(error)
      checks = kind === 'sudo'
        ? [{check: 'ssh', status: 'ok', detail: `${node.username}@${node.host}:${node.port}`}, {check: 'sudo', status: 'fail', detail: message, fix: error instanceof RemoteError ? error.next.join(' ') : undefined}]
        : [{check: 'ssh', status: 'fail', detail: message, fix: error instanceof RemoteError ? error.next.join(' ') : 'Check the node.'}]
    }
    checks = checks.map((check) => (check.status === 'fail' && ignore.has(check.check) ? {...check, status: 'warn', detail: `${check.detail} (ignored by --ignore-check)`} : check))
    return {node: node.name, host: node.host, services, checks, ok: checks.every((check) => check.status !== 'fail')}
  })
  return {
    nodes,
    ok: nodes.every((node) => node.ok),
    failed: nodes.filter((node) => !node.ok).length,
    warnings: nodes.reduce((sum, node) => sum + node.checks.filter((check) => check.status === 'warn').length, 0),
    unreachable: nodes.filter((node) => node.checks.some((check) => check.check === 'ssh' && check.status === 'fail')).length,
  }
}
