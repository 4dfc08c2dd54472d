/**
 * Parsers for 3FS admin_cli output. admin_cli prints tables: a header row, then rows whose columns are
 * padded to the header's positions (so a cell may hold one space, as timestamps do, or be empty), and
 * reports failures on stdout as `Encounter error: <code>(<Name>)` with an optional message line, while
 * its exit code can say 0. Every call's output goes through here; unknown states are kept as text.
 */

export class AdminCliError extends Error {
  constructor(
    readonly code: number,
    readonly errorName: string,
    readonly detail: string | undefined,
  ) {
    super(`admin_cli: ${code}(${errorName})${detail ? `: ${detail}` : ''}`)
    this.name = 'AdminCliError'
  }
}

const ERROR_LINE = /^Encounter error:\s*(\d+)\(([^)]*)\)\s*(.*)$/

/** The error admin_cli reported in its output, if any. */
export function findAdminCliError(text: string): AdminCliError | undefined {
  const lines = text.split('\n').map((line) => line.trim())
  for (const [index, line] of lines.entries()) {
    const match = ERROR_LINE.exec(line)
    if (!match) continue
    const detail = match[3] || lines[index + 1] || undefined
    return new AdminCliError(Number(match[1]), match[2]!, detail === '' ? undefined : detail)
  }
  return undefined
}

/** Every error admin_cli reported, in order (a batch fed on stdin prints one answer per command). */
export function findAdminCliErrors(text: string): AdminCliError[] {
  const errors: AdminCliError[] = []
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    if (!ERROR_LINE.test(line.trim())) continue
    errors.push(findAdminCliError(lines.slice(index).join('\n'))!)
  }
  return errors
}

/**
 * The answers that mean "this target is already there", which a re-run of a half-done create-target
 * batch gets for the targets the interrupted run made. Exactly these, nothing that merely says "exist":
 * - 4018(Storage::StorageInitFailed) `target <id> is already existing` (3FS ee9a5ce
 *   src/storage/store/StorageTargets.cc:169, code src/common/utils/StatusCodeDetails.h:168; names print
 *   as `<ns>::<name>`, src/common/utils/StatusCode.cc:15). The same code with `is existing in memory,
 *   but not found in disk` (StorageTargets.cc:162) or `is existing with same chain id` (:143) is a real error.
 * - 5018(Mgmtd::TargetExisted) (src/mgmtd/ops/UpdateChainOperation.cc:42, StatusCodeDetails.h:211).
 */
export function isTargetAlreadyExists(error: AdminCliError): boolean {
  if (error.code === 5018 && /^(Mgmtd::)?TargetExisted$/.test(error.errorName)) return true
  return (
    error.code === 4018 &&
    /^(Storage::)?StorageInitFailed$/.test(error.errorName) &&
    /^target \d+ is already existing$/.test(error.detail?.trim() ?? '')
  )
}

export interface Table {
  header: string[]
  rows: string[][]
}

/** Splits a table by the header's column positions; falls back to runs of 2+ spaces for a row that does not line up. */
export function parseTable(text: string): Table {
  const error = findAdminCliError(text)
  if (error) throw error
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line.trim() !== '')
  if (lines.length === 0) return {header: [], rows: []}
  const headerLine = lines[0]!
  const starts: number[] = []
  for (let at = 0; at < headerLine.length; at++)
    if (headerLine[at] !== ' ' && (at === 0 || headerLine[at - 1] === ' ')) starts.push(at)
  const header = starts.map((start, index) => headerLine.slice(start, starts[index + 1] ?? undefined).trim())
  const rows = lines.slice(1).map((line) => {
    // A row lines up when no cell runs into the next column's start.
    const aligned = starts.every((start) => start === 0 || start >= line.length || line[start - 1] === ' ')
    if (aligned) return starts.map((start, index) => line.slice(start, starts[index + 1] ?? undefined).trim())
    return line.trim().split(/\s{2,}/)
  })
  return {header, rows}
}

function column(table: Table, name: string): number {
  return table.header.indexOf(name)
}

function cell(table: Table, row: string[], name: string): string {
  const index = column(table, name)
  return index >= 0 ? (row[index] ?? '') : ''
}

/**
 * A ConfigVersion cell. 3FS prints `N(UPTODATE|DIRTY|FAILED)` only when N is mgmtd's latest config version
 * for that node type, and a bare `N` otherwise: an older version (stale), a status that is neither of the
 * three (UNKNOWN, STALE), or mgmtd's versions not at hand (client/cli/admin/ListNodes.cc:33-56,
 * ListClients.cc:27-47). Whether a bare N is stale is only known beside its peers (rules/services.ts).
 */
export function parseConfigVersion(text: string): {version?: number; state?: string} {
  const match = /^(\d+)(?:\(([A-Z_]*)\))?$/.exec(text.trim())
  if (!match) return {}
  return {version: Number(match[1]), ...(match[2] ? {state: match[2]} : {})}
}

/** `3(UPTODATE)` or a bare `3` are not known to be bad; `3(DIRTY)`, `3(FAILED)` or any other state are. */
function configIsCurrent(text: string): boolean {
  const state = /\(([A-Z_]*)\)/.exec(text)?.[1]
  return state === undefined || state === '' || state === 'UPTODATE'
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text) ? Number(text) : undefined
}

export interface NodeRow {
  id: number
  type: string
  status: string
  hostname: string
  pid?: number
  tags: string
  lastHeartbeat: string
  configVersion: string
  /** The number in the ConfigVersion cell. */
  configVersionNumber?: number
  /** UPTODATE, DIRTY or FAILED when printed: only then is the version mgmtd's latest for the type. */
  configState?: string
  /** False when the ConfigVersion cell names a state other than UPTODATE. */
  configUpToDate: boolean
  releaseVersion: string
}

function configFields(text: string): {configVersionNumber?: number; configState?: string} {
  const parsed = parseConfigVersion(text)
  return {
    ...(parsed.version !== undefined ? {configVersionNumber: parsed.version} : {}),
    ...(parsed.state ? {configState: parsed.state} : {}),
  }
}

export function parseListNodes(text: string): NodeRow[] {
  const table = parseTable(text)
  return table.rows.map((row) => {
    const configVersion = cell(table, row, 'ConfigVersion')
    return {
      id: integer(cell(table, row, 'Id')) ?? -1,
      type: cell(table, row, 'Type'),
      status: cell(table, row, 'Status'),
      hostname: cell(table, row, 'Hostname'),
      pid: integer(cell(table, row, 'Pid')),
      tags: cell(table, row, 'Tags'),
      lastHeartbeat: cell(table, row, 'LastHeartbeatTime'),
      configVersion,
      ...configFields(configVersion),
      configUpToDate: configIsCurrent(configVersion),
      releaseVersion: cell(table, row, 'ReleaseVersion'),
    }
  })
}

export interface ChainTarget {
  id: number
  publicState: string
  localState: string
}

export interface ChainRow {
  chainId: number
  referencedBy: string
  version: number | undefined
  /** SERVING, SYNCING, UNAVAILABLE, or anything newer, as printed without the (x/n) part. */
  status: string
  /** From `SERVING(x/n)`: targets serving out of all. */
  serving?: {up: number; total: number}
  preferredOrder: string
  targets: ChainTarget[]
}

const TARGET_CELL = /^(\d+)\(([A-Z_]+)-([A-Z_]+)\)$/
const STATUS_CELL = /^([A-Z_]+)(?:\((\d+)\/(\d+)\))?$/

export function parseListChains(text: string): ChainRow[] {
  const table = parseTable(text)
  const firstTarget = column(table, 'Target')
  return table.rows.map((row) => {
    const statusText = cell(table, row, 'Status')
    const status = STATUS_CELL.exec(statusText)
    const targets = (firstTarget >= 0 ? row.slice(firstTarget) : [])
      .flatMap((text) => text.split(/\s+/))
      .filter((text) => text !== '')
      .map((text) => {
        const match = TARGET_CELL.exec(text)
        return match
          ? {id: Number(match[1]), publicState: match[2]!, localState: match[3]!}
          : {id: integer(text) ?? -1, publicState: 'UNKNOWN', localState: 'UNKNOWN'}
      })
    return {
      chainId: integer(cell(table, row, 'ChainId')) ?? -1,
      referencedBy: cell(table, row, 'ReferencedBy'),
      version: integer(cell(table, row, 'ChainVersion')),
      status: status ? status[1]! : statusText,
      ...(status?.[2] ? {serving: {up: Number(status[2]), total: Number(status[3])}} : {}),
      preferredOrder: cell(table, row, 'PreferredOrder'),
      targets,
    }
  })
}

export interface TargetRow {
  targetId: number
  chainId: number
  role: string
  publicState: string
  localState: string
  nodeId: number
  diskIndex: number | undefined
  /** As printed: a byte count (ListTargets.cc:39). */
  usedSize: string
  usedBytes?: number
}

export function parseListTargets(text: string): TargetRow[] {
  const table = parseTable(text)
  return table.rows.map((row) => ({
    targetId: integer(cell(table, row, 'TargetId')) ?? -1,
    chainId: integer(cell(table, row, 'ChainId')) ?? -1,
    role: cell(table, row, 'Role'),
    publicState: cell(table, row, 'PublicState'),
    localState: cell(table, row, 'LocalState'),
    nodeId: integer(cell(table, row, 'NodeId')) ?? -1,
    diskIndex: integer(cell(table, row, 'DiskIndex')),
    usedSize: cell(table, row, 'UsedSize'),
    ...(integer(cell(table, row, 'UsedSize')) !== undefined ? {usedBytes: integer(cell(table, row, 'UsedSize'))} : {}),
  }))
}

export interface ChainTableRow {
  tableId: number
  version: number | undefined
  chainCount: number | undefined
  /** The largest replica count: 3FS joins the distinct counts of a table's chains with `/` (ListChainTables.cc:32-43). */
  replicaCount: number | undefined
  replicaCounts: number[]
  desc: string
}

export function parseListChainTables(text: string): ChainTableRow[] {
  const table = parseTable(text)
  return table.rows.map((row) => {
    const replicaCounts = cell(table, row, 'ReplicaCount')
      .split('/')
      .map(integer)
      .filter((count): count is number => count !== undefined)
    return {
      tableId: integer(cell(table, row, 'ChainTableId')) ?? -1,
      version: integer(cell(table, row, 'ChainTableVersion')),
      chainCount: integer(cell(table, row, 'ChainCount')),
      replicaCount: replicaCounts.length > 0 ? Math.max(...replicaCounts) : undefined,
      replicaCounts,
      desc: cell(table, row, 'Desc'),
    }
  })
}

export interface ClientRow {
  clientId: string
  /** ClientStart, SessionStart, LastExtend (ListClients.cc:22-25). */
  clientStart: string
  hostname: string
  sessionStart: string
  lastExtend: string
  configVersion: string
  configUpToDate: boolean
  description: string
  releaseVersion: string
}

/**
 * While mgmtd bootstraps, list-clients ends its table with a two-cell row `Mgmtd Bootstrapping  The client
 * list may be incomplete` (ListClients.cc:98-101). It is no client.
 */
const BOOTSTRAPPING_ROW = /^Mgmtd Bootstrapping(?:\s|$)/

export function listClientsBootstrapping(text: string): boolean {
  return text.split('\n').some((line) => BOOTSTRAPPING_ROW.test(line))
}

export function parseListClients(text: string): ClientRow[] {
  const table = parseTable(
    text
      .split('\n')
      .filter((line) => !BOOTSTRAPPING_ROW.test(line))
      .join('\n'),
  )
  return table.rows.map((row) => {
    const configVersion = cell(table, row, 'ConfigVersion')
    return {
      clientId: cell(table, row, 'ClientId'),
      clientStart: cell(table, row, 'ClientStart'),
      hostname: cell(table, row, 'Hostname'),
      sessionStart: cell(table, row, 'SessionStart'),
      lastExtend: cell(table, row, 'LastExtend'),
      configVersion,
      configUpToDate: configIsCurrent(configVersion),
      description: cell(table, row, 'Description'),
      releaseVersion: cell(table, row, 'ReleaseVersion'),
    }
  })
}
