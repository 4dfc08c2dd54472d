/**
 * Status captures: every raw output status collected, in files a user can attach to a bug report and
 * anyone can judge again with `status --from DIR`. Layout:
 *   layout.json                   what was expected (services per node, mount point, data dirs)
 *   capture.json                  when, by which 3fs-cli, from which mgmtd node
 *   admin_cli/<command>.txt       raw admin_cli output (list-nodes, list-chains, ...)
 *   fdb/status.json               raw `fdbcli --exec 'status json'`
 *   nodes/<node>/<section>.txt    raw per-node probe sections (hostname, containers, mount, disks, ...)
 *   nodes/<node>/error.txt        why a node could not be probed
 * Partial captures are fine: what is missing is reported, the rest is judged.
 */
import {DEFAULT_MOUNTPOINT, DEFAULT_RUNTIME} from '../cluster/defaults.js'
import {mkdir, open, readdir, stat, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import {z} from 'zod'

import {UserError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {RawStatus} from './judge.js'
import type {LayoutNode, StatusLayout} from './layout.js'
import {keyValues} from './node-state.js'
import {ADMIN_COMMANDS} from './probe-scripts.js'

export interface CaptureInfo {
  capturedAt: string
  tool: string
  adminNode?: string
}

/** A capture file larger than this is not one of ours (and reading it whole could exhaust memory). */
export const MAX_CAPTURE_FILE_BYTES = 64 * 2 ** 20

/**
 * The --capture directory, made before any node is probed: a new directory (its parent must exist) or an
 * empty one. Never a file, a non-empty directory (its files would mix with the capture) or a path whose
 * parent is missing (`mkdir -p` under /proc spins), so a bad path fails in a moment, not after a probe.
 */
export async function prepareCaptureDir(dir: string): Promise<string> {
  const path = resolve(dir)
  const next = 'Give --capture a new directory (its parent must exist) or an empty one.'
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT'
      ? undefined
      : Promise.reject(
          new UserError(`--capture ${dir}: ${error.code ?? error.message}`, {next, exitCode: ExitCode.Usage}),
        ),
  )
  if (existing) {
    if (!existing.isDirectory())
      throw new UserError(`--capture ${dir} exists and is not a directory`, {next, exitCode: ExitCode.Usage})
    if ((await readdir(path)).length > 0)
      throw new UserError(`--capture ${dir} is not empty`, {next, exitCode: ExitCode.Usage})
    return path
  }
  try {
    await mkdir(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const parentMissing =
      code === 'ENOENT' &&
      !(await stat(dirname(path)).then(
        (info) => info.isDirectory(),
        () => false,
      ))
    throw new UserError(
      `--capture ${dir} cannot be made: ${parentMissing ? `${dirname(path)} does not exist` : `${dirname(path)} takes no new directory (${code ?? (error as Error).message})`}`,
      {next, exitCode: ExitCode.Usage},
    )
  }
  return path
}

export async function writeCapture(dir: string, raw: RawStatus, info: CaptureInfo): Promise<string[]> {
  const written: string[] = []
  const put = async (relative: string, content: string) => {
    const path = join(dir, relative)
    await mkdir(join(path, '..'), {recursive: true})
    await writeFile(path, content)
    written.push(relative)
  }
  await put('layout.json', `${JSON.stringify(raw.layout, null, 2)}\n`)
  await put(
    'capture.json',
    `${JSON.stringify({...info, ...(raw.admin.node ? {adminNode: raw.admin.node} : {})}, null, 2)}\n`,
  )
  for (const [section, text] of Object.entries(raw.admin.sections))
    await put(section.endsWith('.json') ? section : `${section}.txt`, text)
  if (raw.admin.error) await put('admin_cli/error.txt', `${raw.admin.error.kind}: ${raw.admin.error.message}\n`)
  for (const [name, node] of Object.entries(raw.nodes)) {
    const base = join('nodes', safeName(name))
    if (node.error) await put(join(base, 'error.txt'), `${node.error.kind}: ${node.error.message}\n`)
    for (const [section, text] of Object.entries(node.sections)) await put(join(base, `${section}.txt`), text)
  }
  return written
}

function safeName(name: string): string {
  return name.replace(/[/\0]/g, '_')
}

/** A file of a capture that cannot be used, and why: reported together, exit 2, never as a stack trace. */
export interface CaptureFault {
  file: string
  problem: string
}

/** Collects the faults of one capture read; `fail` throws them as one UserError (exit 2). */
export class CaptureFaults {
  readonly faults: CaptureFault[] = []

  constructor(private readonly dir: string) {}

  add(file: string, problem: string): void {
    this.faults.push({file, problem})
  }

  fail(): void {
    if (this.faults.length === 0) return
    const lines = this.faults.map((fault) => `${join(this.dir, fault.file)}: ${fault.problem}`)
    throw new UserError(`${this.dir} is not a usable status capture:\n${lines.join('\n')}`, {
      next: [
        'Fix or remove the files named above (a missing file is judged as not seen), or capture again: 3fs-cli status -c cluster.yml --capture DIR',
      ],
      exitCode: ExitCode.Usage,
    })
  }
}

/** A JSON file of a capture: parsed, checked against its schema, or a fault naming what is wrong. */
export function parseCaptureJson<T>(
  faults: CaptureFaults,
  file: string,
  text: string,
  schema: z.ZodType<T>,
): T | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    faults.add(file, `not valid JSON (${(error as Error).message})`)
    return undefined
  }
  const checked = schema.safeParse(value)
  if (!checked.success) {
    const issue = checked.error.issues[0]!
    faults.add(file, `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    return undefined
  }
  return checked.data
}

const SERVICE_NAMES = [
  'fdb',
  'clickhouse',
  'monitor',
  'mgmtd',
  'meta',
  'storage',
  'client',
  'grafana',
  'postgresql',
] as const

/** What judge() reads of layout.json; extra keys are kept for newer 3fs-cli versions. */
const LAYOUT_SCHEMA = z
  .object({
    cluster: z.string(),
    mountpoint: z.string(),
    diskType: z.enum(['nvme', 'dir']),
    replicationFactor: z.number().int().positive(),
    runtime: z.string(),
    mgmtdContainer: z.string(),
    fdbContainer: z.string(),
    adminNodes: z.array(z.string()),
    fdbNodes: z.array(z.string()),
    nodes: z.array(
      z
        .object({
          name: z.string().min(1),
          host: z.string(),
          services: z.array(z.enum(SERVICE_NAMES)),
          containers: z.array(z.object({service: z.enum(SERVICE_NAMES), container: z.string()}).passthrough()),
          mountpoint: z.string().optional(),
          dataDirs: z.array(z.string()),
        })
        .passthrough(),
    ),
  })
  .passthrough() as unknown as z.ZodType<StatusLayout>

const INFO_SCHEMA = z
  .object({capturedAt: z.string(), tool: z.string(), adminNode: z.string().optional()})
  .passthrough() as unknown as z.ZodType<CaptureInfo>

/**
 * The text of a capture file; undefined when absent; unreadable files become faults. Only a regular file is
 * opened (a FIFO would block), and at most MAX_CAPTURE_FILE_BYTES are read of it.
 */
async function readCaptureFile(dir: string, file: string, faults: CaptureFaults): Promise<string | undefined> {
  try {
    const info = await stat(join(dir, file))
    if (info.isDirectory()) {
      faults.add(file, 'a directory where a file belongs')
      return undefined
    }
    if (!info.isFile()) {
      faults.add(file, 'not a regular file (a FIFO, socket or device)')
      return undefined
    }
    const handle = await open(join(dir, file), 'r')
    try {
      const buffer = Buffer.alloc(Math.min(info.size, MAX_CAPTURE_FILE_BYTES) + 1)
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0)
      if (bytesRead > MAX_CAPTURE_FILE_BYTES) {
        faults.add(file, `larger than ${MAX_CAPTURE_FILE_BYTES} bytes: not a file 3fs-cli wrote`)
        return undefined
      }
      return buffer.subarray(0, bytesRead).toString('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    faults.add(file, `cannot be read (${code ?? (error as Error).message})`)
    return undefined
  }
}

async function listCaptureDir(dir: string, relative: string, faults: CaptureFaults): Promise<string[]> {
  try {
    return await readdir(join(dir, relative))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return []
    faults.add(
      relative || '.',
      code === 'ENOTDIR'
        ? 'a file where a directory belongs'
        : `cannot be listed (${code ?? (error as Error).message})`,
    )
    return []
  }
}

function parseError(text: string): {kind: string; message: string} {
  const match = /^([a-z-]+):\s*([\s\S]*)$/.exec(text.trim())
  return match ? {kind: match[1]!, message: match[2]!} : {kind: 'unknown', message: text.trim()}
}

export async function readCapture(dir: string): Promise<{raw: RawStatus; info?: CaptureInfo}> {
  const faults = new CaptureFaults(dir)
  const entries = await listCaptureDir(dir, '', faults)
  faults.fail()
  if (entries.length === 0) {
    throw new UserError(`${dir} is not a status capture (missing or empty)`, {
      next: 'Make one with `3fs-cli status -c cluster.yml --capture DIR`.',
      exitCode: 2,
    })
  }
  const missing: string[] = []
  const nodeNames = await listCaptureDir(dir, 'nodes', faults)
  const nodes: RawStatus['nodes'] = {}
  for (const name of nodeNames) {
    const files = await listCaptureDir(dir, join('nodes', name), faults)
    const sections: Record<string, string> = {}
    let error: {kind: string; message: string} | undefined
    for (const file of files) {
      if (!file.endsWith('.txt')) continue
      const text = await readCaptureFile(dir, join('nodes', name, file), faults)
      if (text === undefined) continue
      if (file === 'error.txt') error = parseError(text)
      else sections[file.slice(0, -4)] = text
    }
    nodes[name] = error ? {sections, error} : {sections}
  }
  const admin: RawStatus['admin'] = {sections: {}}
  for (const command of ADMIN_COMMANDS) {
    const text = await readCaptureFile(dir, join('admin_cli', `${command}.txt`), faults)
    if (text !== undefined) admin.sections[`admin_cli/${command}`] = text
  }
  const fdb = await readCaptureFile(dir, join('fdb', 'status.json'), faults)
  if (fdb !== undefined) admin.sections['fdb/status.json'] = fdb
  const adminError = await readCaptureFile(dir, join('admin_cli', 'error.txt'), faults)
  if (adminError !== undefined) admin.error = parseError(adminError)

  const infoText = await readCaptureFile(dir, 'capture.json', faults)
  const hasLayout = entries.includes('layout.json')
  // Every capture 3fs-cli writes has both; a directory with neither (e.g. /proc/self) is not a capture at all.
  if (infoText === undefined && !hasLayout) {
    throw new UserError(`${dir} is not a status capture (no capture.json or layout.json)`, {
      next: 'Give a directory made with `3fs-cli status -c cluster.yml --capture DIR`.',
      exitCode: ExitCode.Usage,
    })
  }
  const info = infoText === undefined ? undefined : parseCaptureJson(faults, 'capture.json', infoText, INFO_SCHEMA)
  if (info?.adminNode) admin.node = info.adminNode
  const layoutText = await readCaptureFile(dir, 'layout.json', faults)
  const parsedLayout =
    layoutText === undefined ? undefined : parseCaptureJson(faults, 'layout.json', layoutText, LAYOUT_SCHEMA)
  faults.fail()
  let layout: StatusLayout
  if (parsedLayout) layout = parsedLayout
  else {
    missing.push('layout.json')
    layout = inferLayout(nodes, admin)
  }
  // Nodes the layout expects but the capture has no directory for.
  for (const node of layout.nodes) if (!nodes[node.name]) missing.push(`nodes/${node.name}/`)
  return {raw: {layout, nodes, admin, missing}, ...(info ? {info} : {})}
}

/** Without layout.json: expect what the capture shows, so its contents are still judged. */
function inferLayout(nodes: RawStatus['nodes'], admin: RawStatus['admin']): StatusLayout {
  const layoutNodes: LayoutNode[] = Object.entries(nodes).map(([name, raw]) => {
    const containers = (raw.sections.containers ?? '')
      .split('\n')
      .map((line) => line.split('|')[0]!.trim())
      .filter((container) => container !== '')
      .map((container) => ({service: serviceOfContainer(container), container}))
    const mount = keyValues((raw.sections.mount ?? '').split('\n').find((line) => line.includes('TARGET=')) ?? '')
    const dataDirs = (raw.sections.disks ?? '')
      .split('\n')
      .map((line) => keyValues(line).DIR)
      .filter((dir): dir is string => Boolean(dir))
    return {
      name,
      host: name,
      services: [...new Set(containers.map((entry) => entry.service))],
      containers,
      ...(raw.sections.mount !== undefined ? {mountpoint: mount.TARGET ?? DEFAULT_MOUNTPOINT} : {}),
      dataDirs,
    }
  })
  const hasAdmin = Object.keys(admin.sections).some((key) => key.startsWith('admin_cli/'))
  return {
    cluster: 'unknown',
    mountpoint: layoutNodes.find((node) => node.mountpoint)?.mountpoint ?? DEFAULT_MOUNTPOINT,
    diskType: 'nvme',
    replicationFactor: 2,
    runtime: DEFAULT_RUNTIME,
    mgmtdContainer: '3fs-mgmtd',
    fdbContainer: '3fs-fdb',
    adminNodes: hasAdmin ? [admin.node ?? 'unknown'] : [],
    fdbNodes: admin.sections['fdb/status.json'] !== undefined ? ['unknown'] : [],
    nodes: layoutNodes,
  }
}

function serviceOfContainer(container: string): LayoutNode['services'][number] {
  const known = ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'client', 'grafana'] as const
  const match = known.find((service) => container.endsWith(`-${service}`))
  if (match) return match
  return container.endsWith('-postgres') ? 'postgresql' : 'client'
}
