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
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {UserError} from '../errors.js'
import type {RawStatus} from './judge.js'
import type {LayoutNode, StatusLayout} from './layout.js'
import {keyValues} from './node-state.js'
import {ADMIN_COMMANDS} from './probe-scripts.js'

export interface CaptureInfo {
  capturedAt: string
  tool: string
  adminNode?: string
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
  await put('capture.json', `${JSON.stringify({...info, ...(raw.admin.node ? {adminNode: raw.admin.node} : {})}, null, 2)}\n`)
  for (const [section, text] of Object.entries(raw.admin.sections)) await put(section.endsWith('.json') ? section : `${section}.txt`, text)
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

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined
    throw error
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

function parseError(text: string): {kind: string; message: string} {
  const match = /^([a-z-]+):\s*([\s\S]*)$/.exec(text.trim())
  return match ? {kind: match[1]!, message: match[2]!} : {kind: 'unknown', message: text.trim()}
}

export async function readCapture(dir: string): Promise<{raw: RawStatus; info?: CaptureInfo}> {
  const entries = await listDir(dir)
  if (entries.length === 0) {
    throw new UserError(`${dir} is not a status capture (missing or empty)`, {next: 'Make one with `3fs-cli status -c cluster.yml --capture DIR`.', exitCode: 2})
  }
  const missing: string[] = []
  const nodeNames = await listDir(join(dir, 'nodes'))
  const nodes: RawStatus['nodes'] = {}
  for (const name of nodeNames) {
    const files = await listDir(join(dir, 'nodes', name))
    const sections: Record<string, string> = {}
    let error: {kind: string; message: string} | undefined
    for (const file of files) {
      const text = await readOptional(join(dir, 'nodes', name, file))
      if (text === undefined) continue
      if (file === 'error.txt') error = parseError(text)
      else if (file.endsWith('.txt')) sections[file.slice(0, -4)] = text
    }
    nodes[name] = error ? {sections, error} : {sections}
  }
  const admin: RawStatus['admin'] = {sections: {}}
  for (const command of ADMIN_COMMANDS) {
    const text = await readOptional(join(dir, 'admin_cli', `${command}.txt`))
    if (text !== undefined) admin.sections[`admin_cli/${command}`] = text
  }
  const fdb = await readOptional(join(dir, 'fdb', 'status.json'))
  if (fdb !== undefined) admin.sections['fdb/status.json'] = fdb
  const adminError = await readOptional(join(dir, 'admin_cli', 'error.txt'))
  if (adminError !== undefined) admin.error = parseError(adminError)

  const infoText = await readOptional(join(dir, 'capture.json'))
  const info = infoText ? (JSON.parse(infoText) as CaptureInfo) : undefined
  if (info?.adminNode) admin.node = info.adminNode
  const layoutText = await readOptional(join(dir, 'layout.json'))
  let layout: StatusLayout
  if (layoutText) layout = JSON.parse(layoutText) as StatusLayout
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
    const dataDirs = (raw.sections.disks ?? '').split('\n').map((line) => keyValues(line).DIR).filter((dir): dir is string => Boolean(dir))
    return {
      name,
      host: name,
      services: [...new Set(containers.map((entry) => entry.service))],
      containers,
      ...(raw.sections.mount !== undefined ? {mountpoint: mount.TARGET ?? '/3fs'} : {}),
      dataDirs,
    }
  })
  const hasAdmin = Object.keys(admin.sections).some((key) => key.startsWith('admin_cli/'))
  return {
    cluster: 'unknown',
    mountpoint: layoutNodes.find((node) => node.mountpoint)?.mountpoint ?? '/3fs',
    diskType: 'nvme',
    replicationFactor: 2,
    runtime: 'docker',
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
