/**
 * Checks that a schema-valid cluster.yml describes a cluster 3FS can actually run, and resolves it
 * (node groups expanded, service memberships). Returns findings with key paths; the loader turns
 * them into file positions.
 */
import {existsSync} from 'node:fs'
import {posix} from 'node:path'

import {boundPorts} from '../cluster/ports.js'
import {commitForImageTag} from '../cluster/threefs-config/shipped.js'
import {homeDirectory} from './home.js'
import {expandRange, groupNodeName, ipv4ToNumber} from './ip-range.js'
import type {ClusterNode} from './model.js'
import type {PathSegment} from './problems.js'
import {REQUIRED_SERVICES, SERVICE_NAMES, type ClusterFile, type ServiceName} from './schema.js'
import {closest} from './suggest.js'

export interface Finding {
  severity: 'error' | 'warning'
  path: PathSegment[]
  at?: 'key' | 'value'
  message: string
  hint?: string
}

export interface Resolution {
  nodes: ClusterNode[]
  services: Record<ServiceName, string[]>
  findings: Finding[]
}

/** A node group larger than this is almost certainly a typo in ipBegin/ipEnd. */
export const MAX_GROUP_SIZE = 65_536

/** 3FS chain ids are uint32. */
export const MAX_CHAIN_ID = 2 ** 32 - 1

/** Directories that must never be used as the 3FS mount point or work dir. */
const SYSTEM_DIRS = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/lib',
  '/usr/local',
  '/var',
  '/var/lib',
  '/var/log',
  '/mnt',
  '/media',
  '/srv',
  '/opt',
])

export function expandHome(path: string): string {
  const home = homeDirectory()
  return path === '~' ? home : path.startsWith('~/') ? home + path.slice(1) : path
}

export function resolveCluster(config: ClusterFile): Resolution {
  const findings: Finding[] = []
  const error = (path: PathSegment[], message: string, hint?: string, at: 'key' | 'value' = 'value') =>
    findings.push({severity: 'error', path, message, hint, at})

  // The fuse client aborts when the cluster id, its FUSE mount name, has 32 characters or more
  // (3FS src/fuse/FuseClients.cc:56-60, XLOGF_IF(FATAL, ...)).
  if (config.name.length >= 32) {
    error(
      ['name'],
      `the cluster name "${config.name}" has ${config.name.length} characters; 3FS's fuse client aborts at 32 or more (it is the FUSE mount name)`,
      'Choose a name of at most 31 characters.',
    )
  }

  const image = commitForImageTag(config.images['3fs'].tag)
  if (!image.known) {
    findings.push({
      severity: 'warning',
      path: ['images', '3fs', 'tag'],
      message: `3fs-cli does not know which 3FS commit the image tag "${config.images['3fs'].tag}" holds; its config files are rendered from 3FS ${image.commit.slice(0, 7)} (the newest it knows)`,
      hint: 'Check that the image was built from that 3FS commit, or use a tag 3fs-cli knows (20250410).',
    })
  }

  if (config.nodes.length === 0 && config.nodeGroups.length === 0) {
    error(['nodes'], 'no nodes are defined', 'Add at least one entry under nodes: or nodeGroups:.', 'key')
  }

  // Nodes: unique names and hosts.
  const nodes: ClusterNode[] = []
  const byName = new Map<string, ClusterNode>()
  const byHost = new Map<string, ClusterNode>()
  for (const [index, entry] of config.nodes.entries()) {
    const node: ClusterNode = {
      name: entry.name,
      host: entry.host,
      alias: entry.host,
      given: {port: false, username: false},
      port: entry.port,
      // Filled in from the SSH config or the local user by the loader when cluster.yml has none.
      username: entry.username ?? '',
      password: entry.password,
      sudoPassword: entry.sudoPassword,
      identityFile: entry.identityFile,
      source: ['nodes', index],
    }
    const sameName = byName.get(node.name)
    if (sameName) {
      error(
        ['nodes', index, 'name'],
        `node name "${node.name}" is already used by ${describeSource(sameName)}`,
        'Give every node a unique name.',
      )
      continue
    }
    const sameHost = byHost.get(node.host)
    if (sameHost) {
      error(
        ['nodes', index, 'host'],
        `host ${node.host} is already node "${sameHost.name}"`,
        'Each machine may appear once; list it once and add it to several services instead.',
      )
      continue
    }
    byName.set(node.name, node)
    byHost.set(node.host, node)
    nodes.push(node)
  }

  // Node groups: unique names, sane non-overlapping ranges, addresses not already listed as nodes.
  const groupMembers = new Map<string, string[]>()
  const ranges: Array<{name: string; first: number; last: number}> = []
  for (const [index, group] of config.nodeGroups.entries()) {
    if (groupMembers.has(group.name)) {
      error(
        ['nodeGroups', index, 'name'],
        `node group name "${group.name}" is used twice`,
        'Give every node group a unique name.',
      )
      continue
    }
    const first = ipv4ToNumber(group.ipBegin)
    const last = ipv4ToNumber(group.ipEnd)
    if (last < first) {
      error(
        ['nodeGroups', index, 'ipEnd'],
        `ipEnd ${group.ipEnd} comes before ipBegin ${group.ipBegin}`,
        'Swap the two addresses.',
      )
      continue
    }
    if (last - first + 1 > MAX_GROUP_SIZE) {
      error(
        ['nodeGroups', index, 'ipEnd'],
        `the range holds ${last - first + 1} addresses, more than ${MAX_GROUP_SIZE}`,
        'Check ipBegin and ipEnd.',
      )
      continue
    }
    const overlap = ranges.find((range) => first <= range.last && range.first <= last)
    if (overlap) {
      error(
        ['nodeGroups', index, 'ipBegin'],
        `range ${group.ipBegin}-${group.ipEnd} overlaps node group "${overlap.name}"`,
        'Node group ranges must not overlap.',
      )
      continue
    }
    ranges.push({name: group.name, first, last})
    const members: string[] = []
    for (const ip of expandRange(group.ipBegin, group.ipEnd)) {
      const existing = byHost.get(ip)
      if (existing) {
        error(
          ['nodeGroups', index, 'ipBegin'],
          `address ${ip} of this range is already node "${existing.name}"`,
          'Remove the node or shrink the range.',
        )
        continue
      }
      const node: ClusterNode = {
        name: groupNodeName(group.name, ip),
        host: ip,
        alias: ip,
        given: {port: false, username: true},
        port: group.port,
        username: group.username,
        password: group.password,
        sudoPassword: group.sudoPassword,
        identityFile: group.identityFile,
        group: group.name,
        source: ['nodeGroups', index],
      }
      byHost.set(ip, node)
      byName.set(node.name, node)
      nodes.push(node)
      members.push(node.name)
    }
    groupMembers.set(group.name, members)
  }

  for (const node of nodes) {
    if (node.identityFile && !existsSync(expandHome(node.identityFile))) {
      error(
        [...node.source, 'identityFile'],
        `identity file ${node.identityFile} does not exist on this machine`,
        'Point identityFile at a private key file.',
      )
    }
  }

  // Services: required ones present, references resolve, no duplicates.
  const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, [] as string[]])) as Record<
    ServiceName,
    string[]
  >
  for (const service of SERVICE_NAMES) {
    const entry = config.services[service]
    if (!entry) {
      if (REQUIRED_SERVICES.includes(service)) {
        error(
          ['services'],
          `service "${service}" is missing`,
          `Add services.${service} with the nodes that run it.`,
          'key',
        )
      }
      continue
    }
    const members = new Set<string>()
    for (const [index, nodeName] of entry.nodes.entries()) {
      if (!byName.has(nodeName)) {
        const suggestion = closest(nodeName, byName.keys())
        error(
          ['services', service, 'nodes', index],
          `node "${nodeName}" is not defined under nodes:`,
          suggestion ? `Did you mean "${suggestion}"?` : 'Define it under nodes: or fix the name.',
        )
      } else if (members.has(nodeName)) {
        error(['services', service, 'nodes', index], `node "${nodeName}" is listed twice`, 'Remove the duplicate.')
      } else {
        members.add(nodeName)
      }
    }
    for (const [index, groupName] of entry.nodeGroups.entries()) {
      const groupNodes = groupMembers.get(groupName)
      if (!groupNodes) {
        const suggestion = closest(groupName, groupMembers.keys())
        error(
          ['services', service, 'nodeGroups', index],
          `node group "${groupName}" is not defined under nodeGroups:`,
          suggestion ? `Did you mean "${suggestion}"?` : 'Define it under nodeGroups: or fix the name.',
        )
        continue
      }
      for (const nodeName of groupNodes) {
        if (members.has(nodeName))
          error(
            ['services', service, 'nodeGroups', index],
            `node "${nodeName}" of group "${groupName}" is already in this service`,
            'List each node once.',
          )
        members.add(nodeName)
      }
    }
    if (entry.nodes.length === 0 && entry.nodeGroups.length === 0 && REQUIRED_SERVICES.includes(service)) {
      error(
        ['services', service],
        `service "${service}" has no nodes`,
        'List the nodes (or nodeGroups) that run it.',
        'key',
      )
    }
    services[service] = [...members]
  }

  checkPorts(config, services, findings)
  checkStorageLayout(config, services, findings)
  checkPaths(config, findings)
  return {nodes, services, findings}
}

function describeSource(node: ClusterNode): string {
  return node.group ? `node group "${node.group}"` : `nodes[${node.source[1]}]`
}

function checkPorts(config: ClusterFile, services: Record<ServiceName, string[]>, findings: Finding[]): void {
  const reported = new Set<string>()
  const perNode = new Map<string, Map<number, {service: ServiceName; key: string}>>()
  for (const binding of boundPorts(config)) {
    for (const nodeName of services[binding.service]) {
      let ports = perNode.get(nodeName)
      if (!ports) perNode.set(nodeName, (ports = new Map()))
      const owner = ports.get(binding.port)
      if (owner) {
        const id = `${binding.service}.${binding.key}:${binding.port}`
        if (reported.has(id)) continue
        reported.add(id)
        findings.push({
          severity: 'error',
          path: ['services', binding.service, binding.key],
          message: `port ${binding.port} is also services.${owner.service}.${owner.key} on node "${nodeName}"`,
          hint: `Set a different ${binding.key} (m3fs uses 8000/9000 for mgmtd, 8001/9001 for meta, 8002/9002 for storage).`,
        })
      } else {
        ports.set(binding.port, binding)
      }
    }
  }
}

/** Replicated chains from the storage layout: targets = nodes x disks x targetNumPerDisk, chains = targets / RF. */
export function chainCount(
  storageNodes: number,
  diskNumPerNode: number,
  targetNumPerDisk: number,
  replicationFactor: number,
): number {
  return Math.floor((storageNodes * diskNumPerNode * targetNumPerDisk) / replicationFactor)
}

function checkStorageLayout(config: ClusterFile, services: Record<ServiceName, string[]>, findings: Finding[]): void {
  const storage = config.services.storage
  const mgmtd = config.services.mgmtd
  const storageNodes = services.storage.length
  // Before the checks below that stop at the first layout error: the spelling is worth knowing either way.
  if (mgmtd?.stripSize !== undefined) {
    findings.push({
      severity: 'warning',
      path: ['services', 'mgmtd', 'stripSize'],
      at: 'key',
      message: `"stripSize" is not read by m3fs or 3fs-cli (stripeSize ${mgmtd.stripeSize} is used)`,
      hint: 'Did you mean "stripeSize"? The key comes from m3fs\'s sample file.',
    })
  }
  if (!storage || storageNodes === 0) return
  if (storage.replicationFactor > storageNodes) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', 'replicationFactor'],
      message: `replicationFactor ${storage.replicationFactor} needs at least ${storage.replicationFactor} storage nodes, but ${storageNodes} ${storageNodes === 1 ? 'is' : 'are'} listed`,
      hint: `Add storage nodes or set replicationFactor: ${storageNodes}.`,
    })
    return
  }
  // Chains never span disk indexes (3FS's generator numbers them per disk), so each disk index's
  // targets, one per node per slot, must divide into chains on their own.
  const perDisk = storageNodes * storage.targetNumPerDisk
  if (perDisk % storage.replicationFactor !== 0) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', 'targetNumPerDisk'],
      message: `${perDisk} targets per disk index (${storageNodes} nodes x ${storage.targetNumPerDisk}) do not divide into chains of ${storage.replicationFactor}`,
      hint: 'Choose targetNumPerDisk so that storage nodes x targetNumPerDisk is a multiple of replicationFactor.',
    })
    return
  }
  if (storage.targetNumPerDisk > 99 || storage.diskNumPerNode > 998) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', storage.targetNumPerDisk > 99 ? 'targetNumPerDisk' : 'diskNumPerNode'],
      message: '3FS target ids hold at most 99 targets per disk and 998 disks per node',
      hint: 'Lower the value.',
    })
    return
  }
  const chains = chainCount(storageNodes, storage.diskNumPerNode, storage.targetNumPerDisk, storage.replicationFactor)
  // Chain ids are (chainIDPrefix*1000 + disk)*100000 + index and 3FS keeps them in 32 bits; the index must
  // stay below 100000 or the next disk's ids are reused.
  const chainsPerDisk = perDisk / storage.replicationFactor
  const maxChainId = (storage.chainIDPrefix * 1_000 + storage.diskNumPerNode) * 100_000 + chainsPerDisk
  if (chainsPerDisk > 99_999) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', 'targetNumPerDisk'],
      message: `${chainsPerDisk} chains per disk index is more than the 99999 that 3FS chain ids can number`,
      hint: 'Lower targetNumPerDisk or raise replicationFactor.',
    })
    return
  }
  if (maxChainId > MAX_CHAIN_ID) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', 'chainIDPrefix'],
      message: `chainIDPrefix ${storage.chainIDPrefix} gives chain ids up to ${maxChainId}, beyond 3FS's 32-bit chain ids (${MAX_CHAIN_ID})`,
      hint: `Use a chainIDPrefix of at most ${Math.floor((Math.floor((MAX_CHAIN_ID - chainsPerDisk) / 100_000) - storage.diskNumPerNode) / 1_000)} (m3fs uses 9).`,
    })
  }
  // Target ids are ((targetIDPrefix*1e6 + nodeId)*1000 + disk)*100 + slot: they must stay exact integers.
  if ((storage.targetIDPrefix + 1) * 1e11 > Number.MAX_SAFE_INTEGER) {
    findings.push({
      severity: 'error',
      path: ['services', 'storage', 'targetIDPrefix'],
      message: `targetIDPrefix ${storage.targetIDPrefix} gives target ids beyond 2^53`,
      hint: 'Use a small targetIDPrefix (m3fs uses 1).',
    })
  }
  if (mgmtd && mgmtd.stripeSize > chains) {
    findings.push({
      severity: 'error',
      path: ['services', 'mgmtd', 'stripeSize'],
      message: `stripeSize ${mgmtd.stripeSize} is larger than the ${chains} chains this layout yields (3FS then fails writes with EIO)`,
      hint: `Set stripeSize to at most ${chains}, or raise targetNumPerDisk.`,
    })
  }
}

function checkPaths(config: ClusterFile, findings: Finding[]): void {
  const mount = config.services.client?.hostMountpoint
  if (mount !== undefined && SYSTEM_DIRS.has(trimSlash(mount))) {
    findings.push({
      severity: 'error',
      path: ['services', 'client', 'hostMountpoint'],
      message: `${shownPath(mount)} is a system directory and cannot be the 3FS mount point`,
      hint: 'Use /3fs (the default).',
    })
  }
  if (SYSTEM_DIRS.has(trimSlash(config.workDir))) {
    findings.push({
      severity: 'error',
      path: ['workDir'],
      message: `${shownPath(config.workDir)} is a system directory and cannot be the work directory`,
      hint: 'Use /opt/3fs (the default).',
    })
  }
  if (mount !== undefined && isInside(trimSlash(mount), trimSlash(config.workDir))) {
    findings.push({
      severity: 'error',
      path: ['services', 'client', 'hostMountpoint'],
      message: `the mount point ${mount} and the work directory ${config.workDir} contain one another`,
      hint: 'Keep the mount point outside workDir, e.g. /3fs with workDir /opt/3fs.',
    })
  }
}

function shownPath(path: string): string {
  const normal = trimSlash(path)
  return normal === path ? path : `${path} (that is ${normal})`
}

/** The path as the kernel resolves it (`.`, `..` and `//` folded), without a trailing slash. */
function trimSlash(path: string): string {
  const normal = posix.normalize(path).replace(/\/+$/, '')
  return normal === '' || normal === '.' ? '/' : normal
}

function isInside(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)
}
