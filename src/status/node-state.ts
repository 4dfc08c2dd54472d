/** Turns a node's raw probe sections into its state: containers, the 3FS mount, data disks. */
import {decodeRecord} from '../cluster/probe-protocol.js'
import type {ServiceName} from '../config/schema.js'
import type {LayoutNode} from './layout.js'

export interface ServiceState {
  service: ServiceName
  container: string
  /** running, exited, restarting, paused, dead, created, absent (no such container), or unknown (not captured). */
  state: string
  restarts?: number
  startedAt?: string
  /** Seconds from startedAt to when the status was observed (running containers). */
  uptimeSeconds?: number
  exitCode?: number
}

export interface MountState {
  path: string
  mounted: boolean
  fstype?: string
  source?: string
  propagation?: string
  sizeBytes?: number
  usedBytes?: number
  /** ok: a stat and a directory read through the mount answered; failed: one failed or hung. */
  probe?: 'ok' | 'failed'
  probeMs?: number
}

export interface DiskState {
  path: string
  exists: boolean
  mounted: boolean
  fstype?: string
  source?: string
  sizeBytes?: number
  usedBytes?: number
}

export interface NodeState {
  name: string
  host: string
  services: ServiceName[]
  reachable: boolean
  /** Why the node could not be probed. */
  error?: {kind: string; message: string}
  hostname?: string
  uptimeSeconds?: number
  runtime?: {present: boolean; path?: string; version?: string; problem?: string}
  containers: ServiceState[]
  mount?: MountState
  disks: DiskState[]
  /** Probe sections this node's data lacks (partial capture). */
  missing: string[]
  /** The node's ids per service as deploy recorded them beside cluster.yml (live status only). */
  ids?: Partial<Record<'mgmtd' | 'meta' | 'storage' | 'client', number>>
}

/** The fields of a probe record: base64 fields our probes print, KEY="v" ones findmnt prints (probe-protocol.ts). */
export const keyValues = decodeRecord

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined
  return Number(text.trim())
}

export function parseRuntime(text: string): NodeState['runtime'] {
  const trimmed = text.trim()
  if (trimmed === 'missing') return {present: false}
  const pairs = keyValues(trimmed)
  const version = pairs.VERSION
  // When the daemon is down or access is denied, `docker version` fails with an error of several lines: ERROR
  // holds all of it. A capture from an earlier version has the error as the first line that is no field.
  const error = pairs.ERROR?.trim()
  const problem = version
    ? undefined
    : error || trimmed.split('\n').find((line) => !/^[A-Z_]+=/.test(line)) || 'no server version'
  return {
    present: true,
    ...(pairs.PATH ? {path: pairs.PATH} : {}),
    ...(version ? {version} : {}),
    ...(problem ? {problem} : {}),
  }
}

export function parseContainers(text: string, expected: LayoutNode['containers']): ServiceState[] {
  const found = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const fields = line.trim().split('|')
    if (fields.length >= 2 && fields[0]) found.set(fields[0], fields.slice(1))
  }
  return expected.map(({service, container}) => {
    const fields = found.get(container)
    if (!fields) return {service, container, state: 'unknown'}
    if (fields[0] === 'absent') return {service, container, state: 'absent'}
    return {
      service,
      container,
      state: fields[0] || 'unknown',
      ...(numberOrUndefined(fields[1]) !== undefined ? {restarts: numberOrUndefined(fields[1])} : {}),
      ...(fields[2] ? {startedAt: fields[2]} : {}),
      ...(numberOrUndefined(fields[3]) !== undefined ? {exitCode: numberOrUndefined(fields[3])} : {}),
    }
  })
}

export function parseMount(path: string, sections: Record<string, string | undefined>): MountState {
  const line = (sections.mount ?? '').split('\n').find((entry) => entry.includes('TARGET='))
  if (!line) return {path, mounted: false}
  const pairs = keyValues(line)
  const state: MountState = {
    path,
    mounted: true,
    fstype: pairs.FSTYPE,
    source: pairs.SOURCE,
    propagation: pairs.PROPAGATION,
  }
  const dfLine = (sections['mount-df'] ?? '').split('\n').find((entry) => /^\S+\s+\d+\s+\d+\s+\d+/.test(entry))
  if (dfLine) {
    const fields = dfLine.trim().split(/\s+/)
    state.sizeBytes = Number(fields[1])
    state.usedBytes = Number(fields[2])
  }
  const probe = keyValues(sections['mount-probe'] ?? '')
  if (probe.PROBE === 'ok' || probe.PROBE === 'failed') state.probe = probe.PROBE
  if (numberOrUndefined(probe.MICROS) !== undefined)
    state.probeMs = Math.round(numberOrUndefined(probe.MICROS)! / 10) / 100
  return state
}

export function parseDisks(text: string, dirs: string[]): DiskState[] {
  const byDir = new Map<string, Record<string, string>>()
  for (const line of text.split('\n')) {
    const pairs = keyValues(line)
    if (pairs.DIR) byDir.set(pairs.DIR, pairs)
  }
  return dirs.map((path) => {
    const pairs = byDir.get(path)
    if (!pairs) return {path, exists: false, mounted: false}
    return {
      path,
      exists: pairs.EXISTS === '1',
      mounted: Boolean(pairs.FSTYPE),
      ...(pairs.FSTYPE ? {fstype: pairs.FSTYPE, source: pairs.SOURCE} : {}),
      ...(numberOrUndefined(pairs.SIZE) !== undefined
        ? {sizeBytes: numberOrUndefined(pairs.SIZE), usedBytes: numberOrUndefined(pairs.USED)}
        : {}),
    }
  })
}

export interface RawNode {
  sections: Record<string, string>
  error?: {kind: string; message: string}
}

export function nodeState(node: LayoutNode, raw: RawNode | undefined): NodeState {
  const base = {
    name: node.name,
    host: node.host,
    services: node.services,
    containers: [] as ServiceState[],
    disks: [] as DiskState[],
    missing: [] as string[],
  }
  if (!raw) return {...base, reachable: false, missing: ['all']}
  if (raw.error) return {...base, reachable: false, error: raw.error}
  const {sections} = raw
  const expectedSections = [
    'hostname',
    ...(node.containers.length > 0 ? ['runtime', 'containers'] : []),
    ...(node.mountpoint ? ['mount'] : []),
    ...(node.dataDirs.length > 0 ? ['disks'] : []),
  ]
  const state: NodeState = {
    ...base,
    reachable: true,
    missing: expectedSections.filter((name) => sections[name] === undefined),
  }
  if (sections.hostname) state.hostname = sections.hostname.trim()
  const uptime = /^(\d+(?:\.\d+)?)/.exec(sections.uptime ?? '')
  if (uptime) state.uptimeSeconds = Math.round(Number(uptime[1]))
  if (sections.runtime !== undefined) state.runtime = parseRuntime(sections.runtime)
  if (node.containers.length > 0) {
    const runtimeMissing = state.runtime?.present === false
    state.containers = runtimeMissing
      ? node.containers.map(({service, container}) => ({service, container, state: 'no-runtime'}))
      : parseContainers(sections.containers ?? '', node.containers)
  }
  if (node.mountpoint && sections.mount !== undefined) state.mount = parseMount(node.mountpoint, sections)
  if (node.dataDirs.length > 0 && sections.disks !== undefined) state.disks = parseDisks(sections.disks, node.dataDirs)
  return state
}
