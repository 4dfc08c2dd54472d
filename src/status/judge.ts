/**
 * From what was collected to a verdict: every problem with its severity, the likely cause and the
 * next command to run. critical means the filesystem cannot serve (verdict DOWN); error and warning
 * mean it serves with less than it should (DEGRADED). Nothing seen, nothing claimed: what could not
 * be looked at is a problem too, so HEALTHY always means "seen and fine".
 */
import type {ServiceName} from '../config/schema.js'
import {
  AdminCliError,
  findAdminCliError,
  parseListChainTables,
  parseListChains,
  parseListClients,
  parseListNodes,
  parseListTargets,
  type ChainRow,
  type ChainTableRow,
  type ClientRow,
  type NodeRow,
  type TargetRow,
} from './admin-cli.js'
import {parseFdbStatus, type FdbState} from './fdb.js'
import type {StatusLayout} from './layout.js'
import {nodeState, type NodeState, type RawNode} from './node-state.js'
import type {AdminCommand} from './probe-scripts.js'

export type Severity = 'critical' | 'error' | 'warning'
export type Verdict = 'HEALTHY' | 'DEGRADED' | 'DOWN'

export interface Problem {
  severity: Severity
  /** What is affected: a node, node/service, chain, target or the cluster. */
  subject: string
  cause: string
  /** The next thing to run or check. */
  next: string
}

export interface RawStatus {
  layout: StatusLayout
  nodes: Record<string, RawNode>
  /** admin_cli outputs by command and `fdb/status.json`, from the node that ran them. */
  admin: {node?: string; sections: Record<string, string>; error?: {kind: string; message: string}}
  /** Files a partial capture lacked. */
  missing: string[]
}

export interface ClusterServiceRow extends NodeRow {
  /** The cluster.yml node this 3FS node runs on, when its hostname matches one. */
  node?: string
}

export interface TargetView extends TargetRow {
  node?: string
}

export interface StatusReport {
  cluster: string
  /** When the data was collected. */
  observedAt: string
  verdict: Verdict
  problems: Problem[]
  nodes: NodeState[]
  services: ClusterServiceRow[]
  chains: ChainRow[]
  targets: TargetView[]
  chainTables: ChainTableRow[]
  clients: ClientRow[]
  fdb?: FdbState
  /** Data that could not be collected (or that a capture lacks). */
  missing: string[]
  summary: {
    nodes: number
    reachable: number
    chains: number
    servingChains: number
    targets: number
    servingTargets: number
    clients: number
    mounts: number
    mountsOk: number
  }
}

export interface JudgeOptions {
  /** How next-step commands refer to the config, e.g. `-c cluster.yml`. */
  configArg: string
  /** When the data was collected (uptimes are measured to it); default now. */
  observedAt?: string
}

const CORE_SERVICES: ServiceName[] = ['fdb', 'mgmtd', 'meta']
const METRICS_SERVICES: ServiceName[] = ['clickhouse', 'monitor', 'grafana', 'postgresql']
const FULL_PERCENT = 90

export function judge(raw: RawStatus, options: JudgeOptions): StatusReport {
  const {layout} = raw
  const problems: Problem[] = []
  const missing = [...raw.missing]
  const cli = (args: string) => `3fs-cli ${args.replace('{c}', options.configArg)}`
  const nodes = layout.nodes.map((node) => nodeState(node, raw.nodes[node.name]))
  const observed = Date.parse(options.observedAt ?? new Date().toISOString())
  for (const node of nodes) {
    for (const container of node.containers) {
      const started = container.startedAt ? Date.parse(container.startedAt) : Number.NaN
      if (container.state === 'running' && Number.isFinite(started) && Number.isFinite(observed)) container.uptimeSeconds = Math.max(0, Math.round((observed - started) / 1000))
    }
  }
  for (const node of nodes) for (const section of node.missing) missing.push(`nodes/${node.name}/${section}`)

  // Nodes and their containers.
  const running = (service: ServiceName) => nodes.some((node) => node.containers.some((entry) => entry.service === service && entry.state === 'running'))
  for (const node of nodes) {
    if (!node.reachable) {
      if (node.error) {
        problems.push({
          severity: 'error',
          subject: node.name,
          cause: `not reachable over SSH (${node.error.kind}): ${node.error.message}; its services (${node.services.join(', ') || 'none'}) could not be checked`,
          next: `Check that ${node.host} is up and sshd answers, then: ${cli(`exec {c} --nodes ${node.name} -- true`)}`,
        })
      }
      continue
    }
    problems.push(...containerProblems(node, layout, running, cli))
    if (node.mount) problems.push(...mountProblems(node, layout, cli))
    problems.push(...diskProblems(node, layout, cli))
  }

  // admin_cli: the cluster as mgmtd sees it.
  const admin = parseAdmin(raw, nodes, problems, missing, layout, cli)
  const hostnameToNode = new Map<string, string>()
  for (const node of nodes) for (const key of [node.hostname, node.name, node.host]) if (key) hostnameToNode.set(key, node.name)
  const services: ClusterServiceRow[] = (admin.nodes ?? []).map((row) => {
    const node = hostnameToNode.get(row.hostname)
    return node ? {...row, node} : {...row}
  })
  const nodeIdToNode = new Map(services.filter((row) => row.node).map((row) => [row.id, row.node!]))
  const targets: TargetView[] = (admin.targets ?? []).map((row) => {
    const node = nodeIdToNode.get(row.nodeId)
    return node ? {...row, node} : {...row}
  })
  if (admin.nodes) problems.push(...serviceProblems(services, layout, cli))
  if (admin.chains) problems.push(...chainProblems(admin.chains, targets, nodeIdToNode, layout, cli))

  // FoundationDB.
  let fdb: FdbState | undefined
  const fdbText = raw.admin.sections['fdb/status.json']
  const fdbContainerDown = nodes.some((node) => layout.fdbNodes.includes(node.name) && node.containers.some((entry) => entry.container === layout.fdbContainer && entry.state !== 'running' && entry.state !== 'unknown'))
  if (fdbText !== undefined && fdbContainerDown && !parseFdbStatus(fdbText).parsed) {
    // The fdb container problem above already says why fdbcli gave nothing.
  } else if (fdbText !== undefined) {
    fdb = parseFdbStatus(fdbText)
    if (!fdb.parsed) {
      problems.push({severity: 'error', subject: 'fdb', cause: `fdbcli gave no status: ${fdb.error}`, next: `Check the fdb container: ${cli(`exec {c} --service fdb --sudo -- ${layout.runtime} logs --tail 100 ${layout.fdbContainer}`)}`})
    } else if (!fdb.available) {
      problems.push({severity: 'critical', subject: 'fdb', cause: `FoundationDB is unavailable${fdb.messages.length ? `: ${fdb.messages.join('; ')}` : ''}; mgmtd and meta cannot work without it`, next: `Bring the fdb nodes back (${layout.fdbNodes.join(', ')}) and read: ${cli(`exec {c} --service fdb --sudo -- ${layout.runtime} logs --tail 100 ${layout.fdbContainer}`)}`})
    } else if (!fdb.healthy) {
      problems.push({severity: 'warning', subject: 'fdb', cause: `FoundationDB is available but not healthy${fdb.messages.length ? `: ${fdb.messages.join('; ')}` : ''}`, next: `See the details: ${cli(`exec {c} --service fdb --sudo -- ${layout.runtime} exec ${layout.fdbContainer} fdbcli --exec status`)}`})
    }
  } else if (layout.fdbNodes.length > 0) {
    missing.push('fdb/status.json')
  }

  if (missing.length > 0) {
    problems.push({severity: 'warning', subject: 'status', cause: `not everything could be seen: ${summarize(missing)}`, next: 'Fix the problems above that stopped collection, or capture again.'})
  }

  const verdict: Verdict = problems.some((problem) => problem.severity === 'critical') ? 'DOWN' : problems.length > 0 ? 'DEGRADED' : 'HEALTHY'
  const chains = admin.chains ?? []
  const mounts = nodes.filter((node) => layout.nodes.find((entry) => entry.name === node.name)?.mountpoint)
  return {
    cluster: layout.cluster,
    observedAt: options.observedAt ?? new Date(observed).toISOString(),
    verdict,
    problems: sortProblems(problems),
    nodes,
    services,
    chains,
    targets,
    chainTables: admin.chainTables ?? [],
    clients: admin.clients ?? [],
    ...(fdb ? {fdb} : {}),
    missing,
    summary: {
      nodes: nodes.length,
      reachable: nodes.filter((node) => node.reachable).length,
      chains: chains.length,
      servingChains: chains.filter((chain) => chain.status === 'SERVING' && (!chain.serving || chain.serving.up === chain.serving.total)).length,
      targets: targets.length,
      servingTargets: targets.filter((target) => target.publicState === 'SERVING').length,
      clients: (admin.clients ?? []).length,
      mounts: mounts.length,
      mountsOk: mounts.filter((node) => node.mount?.mounted && node.mount.fstype === 'fuse.hf3fs' && node.mount.probe === 'ok').length,
    },
  }
}

function containerProblems(node: NodeState, layout: StatusLayout, running: (service: ServiceName) => boolean, cli: (args: string) => string): Problem[] {
  const problems: Problem[] = []
  if (node.containers.length === 0) return problems
  if (node.runtime?.present === false) {
    problems.push({
      severity: node.services.some((service) => CORE_SERVICES.includes(service) && !running(service)) ? 'critical' : 'error',
      subject: node.name,
      cause: `no container runtime (${layout.runtime}) on the node, so none of its services (${node.services.join(', ')}) can run`,
      next: `Install and start ${layout.runtime}, then deploy: ${cli('deploy {c}')}`,
    })
    return problems
  }
  if (node.runtime?.problem) {
    problems.push({
      severity: node.services.some((service) => CORE_SERVICES.includes(service) && !running(service)) ? 'critical' : 'error',
      subject: node.name,
      cause: `${layout.runtime} does not answer: ${node.runtime.problem}`,
      next: `Start the engine (systemctl start ${layout.runtime}) and check access: ${cli(`exec {c} --nodes ${node.name} --sudo -- ${layout.runtime} ps`)}`,
    })
    return problems
  }
  for (const container of node.containers) {
    const logs = cli(`exec {c} --nodes ${node.name} --sudo -- ${layout.runtime} logs --tail 100 ${container.container}`)
    if (container.state === 'running') {
      if ((container.restarts ?? 0) > 0) {
        problems.push({
          severity: 'warning',
          subject: `${node.name}/${container.service}`,
          cause: `${container.container} restarted ${container.restarts} time(s)${container.startedAt ? `, last start ${container.startedAt}` : ''}`,
          next: `See why it stopped: ${logs}`,
        })
      }
      continue
    }
    if (container.state === 'unknown') continue
    const severity: Severity = METRICS_SERVICES.includes(container.service)
      ? 'warning'
      : CORE_SERVICES.includes(container.service) && !running(container.service)
        ? 'critical'
        : 'error'
    problems.push(
      container.state === 'absent'
        ? {severity, subject: `${node.name}/${container.service}`, cause: `container ${container.container} does not exist: never deployed here, or removed`, next: `Deploy it (a re-run only adds what is missing): ${cli('deploy {c}')}`}
        : {
            severity,
            subject: `${node.name}/${container.service}`,
            cause: `container ${container.container} is ${container.state}${container.exitCode !== undefined && container.state === 'exited' ? ` (exit code ${container.exitCode})` : ''}`,
            next: `Read its log, fix the cause, then start it: ${logs}`,
          },
    )
  }
  return problems
}

function diskProblems(node: NodeState, layout: StatusLayout, cli: (args: string) => string): Problem[] {
  const problems: Problem[] = []
  for (const disk of node.disks) {
    if (!disk.exists || (layout.diskType === 'nvme' && !disk.mounted)) {
      problems.push({
        severity: 'error',
        subject: `${node.name}:${disk.path}`,
        cause: disk.exists
          ? 'data disk not mounted: the disk labelled for this directory is missing or was not remounted after a reboot, and storage would write to the root filesystem'
          : 'storage data directory does not exist',
        next: disk.exists ? `Check the disks and their labels: ${cli(`exec {c} --nodes ${node.name} -- lsblk -o NAME,LABEL,MOUNTPOINT`)}` : `Deploy storage on the node: ${cli('deploy {c}')}`,
      })
    } else if (disk.sizeBytes && disk.usedBytes !== undefined && (disk.usedBytes / disk.sizeBytes) * 100 >= FULL_PERCENT) {
      problems.push({severity: 'warning', subject: `${node.name}:${disk.path}`, cause: `data disk ${Math.round((disk.usedBytes / disk.sizeBytes) * 100)}% full`, next: 'Free space or add storage nodes before writes fail.'})
    }
  }
  return problems
}

function mountProblems(node: NodeState, layout: StatusLayout, cli: (args: string) => string): Problem[] {
  const mount = node.mount!
  const subject = `${node.name}:${mount.path}`
  const clientLogs = cli(`exec {c} --nodes ${node.name} --sudo -- ${layout.runtime} logs --tail 100 ${node.containers.find((entry) => entry.service === 'client')?.container ?? '3fs-client'}`)
  if (!mount.mounted) {
    return [{severity: 'error', subject, cause: `3FS is not mounted at ${mount.path} (the fuse client is not running, or the mount was lost after a reboot)`, next: `Read the fuse client's log: ${clientLogs}; a deploy re-run mounts it again: ${cli('deploy {c}')}`}]
  }
  if (mount.fstype !== 'fuse.hf3fs') {
    return [{severity: 'error', subject, cause: `${mount.path} is a ${mount.fstype ?? 'unknown'} mount from ${mount.source ?? 'an unknown source'}, not 3FS (fuse.hf3fs): programs would write to the wrong place`, next: `If nothing needs that mount, unmount it (umount ${mount.path}), then mount 3FS: ${cli('deploy {c}')}`}]
  }
  const problems: Problem[] = []
  if (mount.probe === 'failed') {
    problems.push({severity: 'error', subject, cause: `the mount does not answer a stat and a directory read within 5 s (hung fuse daemon, or no route to storage)`, next: `Read the fuse client's log: ${clientLogs}`})
  }
  if (mount.sizeBytes && mount.usedBytes !== undefined && (mount.usedBytes / mount.sizeBytes) * 100 >= FULL_PERCENT) {
    problems.push({severity: 'warning', subject, cause: `3FS is ${Math.round((mount.usedBytes / mount.sizeBytes) * 100)}% full`, next: 'Delete data or add storage before writes fail.'})
  }
  return problems
}

interface AdminTables {
  nodes?: NodeRow[]
  chains?: ChainRow[]
  targets?: TargetRow[]
  chainTables?: ChainTableRow[]
  clients?: ClientRow[]
}

/** What each admin_cli error code usually means for a user (3FS issues and its deploy guide). */
const ADMIN_ERROR_HINTS: Record<string, string> = {
  RoutingInfoNotReady: 'admin_cli cannot reach mgmtd: mgmtd is down, or its RDMA listener is not on a NIC 3FS accepts (en*, eth*, bond*, xgbe*; ib* as IPoIB)',
}

function parseAdmin(raw: RawStatus, nodes: NodeState[], problems: Problem[], missing: string[], layout: StatusLayout, cli: (args: string) => string): AdminTables {
  const tables: AdminTables = {}
  // admin_cli runs inside the mgmtd container: when that container is known not to run, the node's
  // container problem already says why, and one line says what cannot be seen because of it.
  const adminNode = nodes.find((node) => node.name === (raw.admin.node ?? layout.adminNodes[0]))
  const mgmtd = adminNode?.containers.find((entry) => entry.container === layout.mgmtdContainer)
  if (mgmtd && mgmtd.state !== 'running' && mgmtd.state !== 'unknown') {
    problems.push({
      severity: 'critical',
      subject: 'mgmtd',
      cause: `admin_cli cannot run on ${adminNode!.name}: its ${layout.mgmtdContainer} container is ${mgmtd.state}, so nodes, chains and targets cannot be seen`,
      next: 'Fix the container problem of that node first (see above).',
    })
    return tables
  }
  if (raw.admin.error) {
    problems.push({
      severity: 'critical',
      subject: 'mgmtd',
      cause: `admin_cli could not be run on any mgmtd node (${layout.adminNodes.join(', ') || 'none configured'}): ${raw.admin.error.message}`,
      next: `Reach a mgmtd node first: ${cli(`exec {c} --service mgmtd -- true`)}`,
    })
    return tables
  }
  const parsers: Record<AdminCommand, (text: string) => unknown> = {
    'list-nodes': parseListNodes,
    'list-chains': parseListChains,
    'list-targets': parseListTargets,
    'list-chain-tables': parseListChainTables,
    'list-clients': parseListClients,
  }
  const keys: Record<AdminCommand, keyof AdminTables> = {'list-nodes': 'nodes', 'list-chains': 'chains', 'list-targets': 'targets', 'list-chain-tables': 'chainTables', 'list-clients': 'clients'}
  let reported = false
  for (const command of Object.keys(parsers) as AdminCommand[]) {
    const text = raw.admin.sections[`admin_cli/${command}`]
    if (text === undefined) {
      if (layout.adminNodes.length > 0) missing.push(`admin_cli/${command}.txt`)
      continue
    }
    const core = command === 'list-nodes' || command === 'list-chains'
    try {
      const error = findAdminCliError(text)
      if (error) throw error
      if (!/\S/.test(text) || !/^\s*[A-Z][A-Za-z]+\s{2,}[A-Z]/m.test(text)) throw new Error(`no table in its output: ${text.trim().split('\n')[0] || 'empty output'}`)
      ;(tables as Record<string, unknown>)[keys[command]] = parsers[command](text)
    } catch (error) {
      // One problem for a mgmtd that does not answer, not one per table.
      if (reported && !core) continue
      const hint = error instanceof AdminCliError ? ADMIN_ERROR_HINTS[error.errorName.split('::').pop() ?? ''] : undefined
      problems.push({
        severity: core ? 'critical' : 'error',
        subject: `admin_cli ${command}`,
        cause: `${error instanceof Error ? error.message : String(error)}${hint ? ` — ${hint}` : ''}`,
        next: `Check mgmtd on ${raw.admin.node ?? layout.adminNodes[0] ?? 'its node'}: ${cli(`exec {c} --service mgmtd --sudo -- ${layout.runtime} logs --tail 100 ${layout.mgmtdContainer}`)}`,
      })
      reported = true
    }
  }
  return tables
}

const TYPE_OF_SERVICE: Partial<Record<ServiceName, string>> = {mgmtd: 'MGMTD', meta: 'META', storage: 'STORAGE'}

function serviceProblems(services: ClusterServiceRow[], layout: StatusLayout, cli: (args: string) => string): Problem[] {
  const problems: Problem[] = []
  for (const row of services) {
    const where = row.node ?? row.hostname
    const subject = `${row.type.toLowerCase()} ${row.id}${where ? ` on ${where}` : ''}`
    const container = row.node ? layout.nodes.find((node) => node.name === row.node)?.containers.find((entry) => TYPE_OF_SERVICE[entry.service] === row.type)?.container : undefined
    const logs = row.node && container ? cli(`exec {c} --nodes ${row.node} --sudo -- ${layout.runtime} logs --tail 100 ${container}`) : `read the ${row.type.toLowerCase()} service's log on ${where || 'its node'}`
    const lastOfKind = services.filter((other) => other.type === row.type && isUp(other.status)).length === 0
    if (row.status === 'HEARTBEAT_FAILED') {
      problems.push({severity: lastOfKind && (row.type === 'META' || row.type === 'MGMTD') ? 'critical' : 'error', subject, cause: `stopped sending heartbeats to mgmtd (last ${row.lastHeartbeat || 'never'})`, next: logs})
    } else if (row.status === 'HEARTBEAT_CONNECTING') {
      problems.push({severity: 'warning', subject, cause: 'still connecting to mgmtd (just started, or its network is failing)', next: `Wait a few seconds and run status again; if it stays, ${logs}`})
    } else if (row.status === 'DISABLED') {
      problems.push({severity: 'warning', subject, cause: 'disabled in mgmtd', next: 'Enable it again with admin_cli enable-node if that was not intended.'})
    } else if (!isUp(row.status) && row.status !== '') {
      problems.push({severity: 'warning', subject, cause: `in state ${row.status}, which 3fs-cli does not know`, next: logs})
    }
    if (!row.configUpToDate) {
      problems.push({severity: 'warning', subject, cause: `runs an out-of-date or failed config (${row.configVersion})`, next: `Upload the config again (admin_cli set-config) or re-run: ${cli('deploy {c}')}`})
    }
  }
  // Services cluster.yml puts on a node that never registered with mgmtd.
  for (const [service, type] of Object.entries(TYPE_OF_SERVICE) as Array<[ServiceName, string]>) {
    for (const node of layout.nodes.filter((entry) => entry.services.includes(service))) {
      if (!services.some((row) => row.type === type && row.node === node.name)) {
        problems.push({severity: 'error', subject: `${node.name}/${service}`, cause: `mgmtd does not list a ${type} service on this node`, next: `Check that its container runs: ${cli(`exec {c} --nodes ${node.name} --sudo -- ${layout.runtime} ps -a`)}`})
      }
    }
  }
  return problems
}

function isUp(status: string): boolean {
  return status === 'HEARTBEAT_CONNECTED' || status === 'PRIMARY_MGMTD'
}

/**
 * The storage node id inside a target id, as 3FS's chain table generator lays ids out:
 * ((prefix * 1e6 + nodeId) * 1e3 + disk + 1) * 100 + index + 1 (deploy/data_placement/src/setup/gen_chain_table.py;
 * 3fs-cli's chain-table.ts and m3fs use the same layout).
 */
export function storageNodeIdOfTarget(targetId: number): number {
  return Math.floor(targetId / 100_000) % 1_000_000
}

function chainProblems(chains: ChainRow[], targets: TargetView[], nodeIdToNode: Map<number, string>, layout: StatusLayout, cli: (args: string) => string): Problem[] {
  const problems: Problem[] = []
  const hasStorage = layout.nodes.some((node) => node.services.includes('storage'))
  if (chains.length === 0) {
    if (hasStorage) problems.push({severity: 'critical', subject: 'chains', cause: 'mgmtd has no chains: the chain table was never uploaded, so no file can be written', next: `Create targets, chains and the chain table: ${cli('deploy {c}')}`})
    return problems
  }
  const targetById = new Map(targets.map((target) => [target.targetId, target]))
  // list-targets names each target's node; without it (or for a node list-nodes does not show) the node
  // part of the target id still tells which storage service held it.
  const nodeOf = (id: number) => targetById.get(id)?.node ?? nodeIdToNode.get(targetById.get(id)?.nodeId ?? storageNodeIdOfTarget(id))
  // Targets whose storage service stopped reporting, grouped by node: one problem per node, not per target.
  const offlineByNode = new Map<string, {targets: number; chains: Set<number>}>()
  for (const chain of chains) {
    for (const target of chain.targets) {
      if (target.publicState !== 'LASTSRV' && target.publicState !== 'OFFLINE') continue
      const node = nodeOf(target.id) ?? 'an unknown node'
      const entry = offlineByNode.get(node) ?? {targets: 0, chains: new Set<number>()}
      entry.targets++
      entry.chains.add(chain.chainId)
      offlineByNode.set(node, entry)
    }
  }
  const unavailable = chains.filter((chain) => chain.status === 'UNAVAILABLE')
  const degraded = chains.filter((chain) => chain.status !== 'UNAVAILABLE' && (chain.status !== 'SERVING' || (chain.serving && chain.serving.up < chain.serving.total)))
  const storageLogs = (node: string) => cli(`exec {c} --nodes ${node} --sudo -- ${layout.runtime} logs --tail 200 ${layout.nodes.find((entry) => entry.name === node)?.containers.find((c) => c.service === 'storage')?.container ?? '3fs-storage'}`)
  if (unavailable.length > 0) {
    const nodes = [...offlineByNode.keys()]
    const lastServing = new Set<string>()
    const lastTargets: string[] = []
    for (const chain of unavailable) {
      for (const target of chain.targets) {
        if (target.publicState !== 'LASTSRV') continue
        const node = nodeOf(target.id)
        lastServing.add(node ?? 'an unknown node')
        lastTargets.push(`target ${target.id} of chain ${chain.chainId} on ${node ?? `storage node id ${targetById.get(target.id)?.nodeId ?? storageNodeIdOfTarget(target.id)}`}`)
      }
    }
    problems.push({
      severity: 'critical',
      subject: `chains ${sample(unavailable.map((chain) => chain.chainId))}`,
      cause: `${unavailable.length} of ${chains.length} chains UNAVAILABLE: no replica serves them${nodes.length ? `; storage stopped reporting on ${nodes.join(', ')}` : ''}${lastServing.size ? ` (${[...lastServing].join(', ')} held the last serving replica and must come back first: ${sample(lastTargets)})` : ''}. Right after a deploy this also happens while storage is still starting.`,
      next: (() => {
        // The node with the last serving replica holds the newest data: it has to return first.
        const first = [...lastServing].find((node) => node !== 'an unknown node') ?? nodes.find((node) => node !== 'an unknown node')
        return first ? `Start storage again on ${first} first, after reading why it stopped: ${storageLogs(first)}` : `Check every storage node: ${cli(`exec {c} --service storage --sudo -- ${layout.runtime} ps -a`)}`
      })(),
    })
  }
  for (const [node, entry] of offlineByNode) {
    problems.push({
      severity: 'error',
      subject: node === 'an unknown node' ? 'storage' : `${node}/storage`,
      cause: `${entry.targets} target(s) in ${entry.chains.size} chain(s) are LASTSRV/OFFLINE: the storage service${node === 'an unknown node' ? '' : ` on ${node}`} stopped reporting to mgmtd`,
      next: node === 'an unknown node' ? `Find it: ${cli('status {c} --json')} (targets[].nodeId)` : `Read its log and start it again (its targets then resync): ${storageLogs(node)}`,
    })
  }
  if (degraded.length > 0) {
    const syncing = degraded.filter((chain) => chain.status === 'SYNCING' || chain.targets.some((target) => target.publicState === 'SYNCING' || target.publicState === 'WAITING'))
    problems.push({
      severity: 'warning',
      subject: `chains ${sample(degraded.map((chain) => chain.chainId))}`,
      cause: `${degraded.length} of ${chains.length} chains serve with fewer replicas than ${layout.replicationFactor}${syncing.length ? ` (${syncing.length} syncing: data is being copied back)` : ''}`,
      next: syncing.length ? `Wait for the sync to finish and watch it: ${cli('status {c} --watch 10')}` : 'Bring back the storage nodes named above.',
    })
  }
  return problems
}

function sample(ids: Array<number | string>, shown = 3): string {
  return ids.length <= shown ? ids.join(', ') : `${ids.slice(0, shown).join(', ')} and ${ids.length - shown} more`
}

function summarize(items: string[]): string {
  return items.length <= 6 ? items.join(', ') : `${items.slice(0, 6).join(', ')} and ${items.length - 6} more`
}

const SEVERITY_ORDER: Record<Severity, number> = {critical: 0, error: 1, warning: 2}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.map((problem, index) => ({problem, index})).sort((a, b) => SEVERITY_ORDER[a.problem.severity] - SEVERITY_ORDER[b.problem.severity] || a.index - b.index).map((entry) => entry.problem)
}
