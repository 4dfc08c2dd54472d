/** Renders a new cluster.yml from templates/cluster.yml.tmpl. */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'
import {templatePath} from '../paths.js'
import {parseCluster} from './loader.js'
import {chainCount} from './semantic.js'

export interface CreateConfigOptions {
  name: string
  file: string
  /** Hosts, each `host` or `name=host`. */
  nodes: string[]
  username: string
  registry: string
  force: boolean
}

export interface CreateConfigResult {
  file: string
  nodes: Array<{name: string; host: string}>
  replicationFactor: number
  stripeSize: number
  warnings: string[]
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

export function parseNodeSpecs(specs: string[]): Array<{name: string; host: string}> {
  const nodes = specs.map((spec, index) => {
    const [first, second] = spec.split('=', 2)
    const name = second === undefined ? `node${index + 1}` : first!.trim()
    const host = (second ?? first!).trim()
    if (!NAME.test(name))
      throw new UsageError(`--nodes: "${name}" is not a valid node name`, {
        next: 'Use letters, digits, dot, dash and underscore.',
      })
    if (host === '' || /\s/.test(host))
      throw new UsageError(`--nodes: "${spec}" has no valid host`, {
        next: 'Give hosts as host or name=host, separated by commas.',
      })
    return {name, host}
  })
  const seen = new Set<string>()
  for (const node of nodes) {
    for (const key of [`name:${node.name}`, `host:${node.host}`]) {
      if (seen.has(key))
        throw new UsageError(`--nodes: ${key.replace(':', ' ')} is given twice`, {next: 'List every machine once.'})
      seen.add(key)
    }
  }
  return nodes
}

export async function createConfig(options: CreateConfigOptions): Promise<CreateConfigResult> {
  if (!NAME.test(options.name))
    throw new UsageError(`--name "${options.name}" is not a valid cluster name`, {
      next: 'Use letters, digits, dot, dash and underscore.',
    })
  if (existsSync(options.file) && !options.force) {
    throw new UsageError(`${options.file} already exists`, {
      next: 'Pass --force to overwrite it, or --file to write elsewhere.',
    })
  }
  const nodes = parseNodeSpecs(options.nodes.length > 0 ? options.nodes : ['127.0.0.1'])
  const replicationFactor = Math.min(2, nodes.length)
  const stripeSize = Math.min(16, chainCount(nodes.length, 1, 32, replicationFactor))
  const names = nodes.map((node) => node.name)
  const nodeLines = nodes
    .map((node) =>
      [
        `  - name: ${node.name}`,
        `    host: ${yamlString(node.host)}`,
        '    port: 22',
        `    username: ${yamlString(options.username)}`,
      ].join('\n'),
    )
    .join('\n')
  const values: Record<string, string> = {
    name: yamlString(options.name),
    nodes: nodeLines,
    firstNode: names[0]!,
    fdbNodes: names.slice(0, nodes.length >= 3 ? 3 : 1).join(', '),
    allNodes: names.join(', '),
    replicationFactor: String(replicationFactor),
    stripeSize: String(stripeSize),
    registry: yamlString(options.registry),
    // A fresh password per cluster instead of m3fs's well-known default.
    clickhousePassword: yamlString(randomBytes(12).toString('base64url')),
  }
  const template = await readFile(templatePath('cluster.yml.tmpl'), 'utf8')
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`)
    return value
  })
  // The rendered file must pass the same checks as any user file before it is written.
  const cluster = parseCluster(text, options.file)
  await writeFile(options.file, text, {mode: 0o600})
  const warnings: string[] = []
  if (nodes.length === 1) warnings.push('One storage node: replicationFactor is 1, so data has no second copy.')
  return {
    file: options.file,
    nodes,
    replicationFactor,
    stripeSize,
    warnings: [...warnings, ...cluster.warnings.map((w) => w.message)],
  }
}

function yamlString(value: string): string {
  return JSON.stringify(value)
}
