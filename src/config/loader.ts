/**
 * Loads cluster.yml: YAML syntax, the strict schema and the semantic checks, every problem reported
 * with file:line:column and key path. Every command that reads a cluster.yml goes through here, so an
 * invalid file stops a command before it touches any node.
 */
import {readFile, stat} from 'node:fs/promises'
import {relative} from 'node:path'

import {isAlias, LineCounter, parseDocument, visit, type Document} from 'yaml'
import type {z} from 'zod'

import {UsageError} from '../errors.js'
import {locate} from './locate.js'
import type {Cluster} from './model.js'
import {ConfigError, formatPath, type ConfigProblem, type PathSegment} from './problems.js'
import {clusterSchema, durationMs, type ClusterFile} from './schema.js'
import {expandHome, resolveCluster} from './semantic.js'
import {applySshConfig, sshConfigPath} from './ssh-apply.js'
import {closest} from './suggest.js'

export const DEFAULT_CONFIG_FILE = 'cluster.yml'

/** A cluster.yml larger than this is not one (and reading it could exhaust memory). */
export const MAX_CONFIG_BYTES = 16 * 2 ** 20

export async function loadClusterFile(file: string): Promise<Cluster> {
  let text: string
  try {
    // A FIFO or device would block or never end: only a regular file of sane size is read.
    const info = await stat(file)
    if (!info.isFile())
      throw new UsageError(
        `${file} is not a regular file (${info.isDirectory() ? 'a directory' : 'a FIFO, socket or device'})`,
        {next: 'Pass the path of a cluster.yml file with -c.'},
      )
    if (info.size > MAX_CONFIG_BYTES)
      throw new UsageError(`${file} is ${info.size} bytes, too large for a cluster.yml (limit ${MAX_CONFIG_BYTES})`, {
        next: 'Pass the path of a cluster.yml file with -c.',
      })
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${(error as Error).message}`,
      {
        next:
          code === 'ENOENT'
            ? 'Create one with `3fs-cli config create`, or pass the right path with -c.'
            : 'Check the path and its permissions.',
      },
    )
  }
  return parseCluster(text, file)
}

/** Parses and checks cluster.yml text; `file` is only used in messages. */
export function parseCluster(text: string, file: string): Cluster {
  const shownFile = displayName(file)
  const lineCounter = new LineCounter()
  const document = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const problems: ConfigProblem[] = []

  for (const yamlError of document.errors) {
    const position = lineCounter.linePos(yamlError.pos[0])
    problems.push({
      severity: 'error',
      file: shownFile,
      line: position.line,
      column: position.col,
      path: '(yaml)',
      message: yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, ''),
      hint: 'Fix the YAML syntax.',
    })
  }
  if (problems.length > 0) throw new ConfigError(shownFile, problems)

  const raw = toJS(document, lineCounter, shownFile)
  const parsed = clusterSchema.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...schemaProblems(issue, document, lineCounter, shownFile))
    throw new ConfigError(shownFile, byPosition(problems))
  }

  const config: ClusterFile = parsed.data
  const resolution = resolveCluster(config)
  for (const finding of resolution.findings) {
    const position = locate(document, lineCounter, finding.path, finding.at)
    problems.push({
      severity: finding.severity,
      file: shownFile,
      ...position,
      path: formatPath(finding.path),
      message: finding.message,
      hint: finding.hint,
    })
  }
  if (problems.some((problem) => problem.severity === 'error')) throw new ConfigError(shownFile, byPosition(problems))

  markGiven(resolution.nodes, raw)
  const ssh = config.ssh
  const configFile = sshConfigPath(ssh.configFile, file)
  applySshConfig(resolution.nodes, configFile)
  const rawSsh = (raw as {ssh?: Record<string, unknown>}).ssh ?? {}
  const given = (key: string) => (rawSsh[key] === undefined ? undefined : ('cluster.yml' as const))
  return {
    file,
    name: config.name,
    config,
    nodes: resolution.nodes,
    services: resolution.services,
    ssh: {
      configFile,
      given: {
        hostKeyPolicy: given('hostKeyPolicy'),
        connectTimeoutMs: given('connectTimeout'),
        keepaliveIntervalMs: given('keepaliveInterval'),
      },
      knownHostsFile: ssh.knownHostsFile ? expandHome(ssh.knownHostsFile) : undefined,
      hostKeyPolicy: ssh.hostKeyPolicy,
      identityFile: ssh.identityFile ? expandHome(ssh.identityFile) : undefined,
      useAgent: ssh.useAgent,
      connectTimeoutMs: durationMs(ssh.connectTimeout),
      commandTimeoutMs: durationMs(ssh.commandTimeout),
      keepaliveIntervalMs: durationMs(ssh.keepaliveInterval),
      concurrency: ssh.concurrency,
    },
    warnings: problems,
  }
}

/** Which nodes state port and username in cluster.yml: those win over the SSH config. */
function markGiven(nodes: Cluster['nodes'], raw: unknown): void {
  const file = raw as {nodes?: Array<Record<string, unknown>>; nodeGroups?: Array<Record<string, unknown>>}
  for (const node of nodes) {
    const [list, index] = node.source as ['nodes' | 'nodeGroups', number]
    const entry = file[list]?.[index] ?? {}
    node.given = {port: entry.port !== undefined, username: entry.username !== undefined}
  }
}

/** The document as plain data; an undefined alias or an alias bomb is a problem at the alias, not a crash. */
function toJS(document: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return document.toJS({maxAliasCount: 100}) ?? {}
  } catch (error) {
    const text = (error as Error).message
    const unresolved = /Unresolved alias.*: (.*)$/.exec(text)?.[1]
    let offset = 0
    visit(document, {
      Alias(_, node) {
        if (isAlias(node) && (unresolved === undefined || node.source === unresolved)) {
          offset = node.range?.[0] ?? 0
          return visit.BREAK
        }
        return undefined
      },
    })
    const position = lineCounter.linePos(offset)
    const problem: ConfigProblem =
      unresolved === undefined
        ? {
            severity: 'error',
            file,
            line: position.line,
            column: position.col,
            path: '(yaml)',
            message: 'aliases expand to too much data (more than 100 alias uses per node)',
            hint: 'Write the values out instead of nesting aliases.',
          }
        : {
            severity: 'error',
            file,
            line: position.line,
            column: position.col,
            path: '(yaml)',
            message: `alias *${unresolved} refers to no anchor &${unresolved} defined before it`,
            hint: `Define &${unresolved} earlier in the file, or fix the name.`,
          }
    throw new ConfigError(file, [problem])
  }
}

/** Problems in file order, as a reader goes through the file. */
function byPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
}

function displayName(file: string): string {
  const shown = relative(process.cwd(), file)
  return shown === '' || shown.startsWith('..') ? file : shown
}

/** Keys that hold secrets: their values never appear in a message. */
const SECRET_KEYS = new Set(['password', 'sudoPassword', 'readOnlyPassword'])

function schemaProblems(
  issue: z.core.$ZodIssue,
  document: Document,
  lineCounter: LineCounter,
  file: string,
): ConfigProblem[] {
  const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol')
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path)
    return issue.keys.map((key) => {
      const keyPath = [...path, key]
      const suggestion = closest(key, known)
      return {
        severity: 'error' as const,
        file,
        ...locate(document, lineCounter, keyPath, 'key'),
        path: formatPath(keyPath),
        message: 'unknown key',
        hint: suggestion ? `Did you mean "${suggestion}"?` : `Known keys here: ${known.join(', ')}.`,
      }
    })
  }
  const exists = valueExists(document, path)
  const position = locate(document, lineCounter, path)
  const last = path.at(-1)
  let message = issue.message
  if (!exists) message = 'is required'
  else if (typeof last === 'string' && SECRET_KEYS.has(last))
    message = issue.message.replace(/received .*/, 'received another type')
  return [
    {
      severity: 'error',
      file,
      ...position,
      path: formatPath(path),
      message,
      hint:
        issue.code === 'invalid_value' && 'values' in issue
          ? `Use one of: ${issue.values.map(String).join(', ')}.`
          : undefined,
    },
  ]
}

function valueExists(document: Document, path: PathSegment[]): boolean {
  return path.length === 0 || document.hasIn(path)
}

/** The keys the schema allows for the object at `path`, for "did you mean" suggestions. */
function knownKeysAt(path: PathSegment[]): string[] {
  let schema: unknown = clusterSchema
  for (const segment of path) {
    schema = unwrap(schema)
    const def = (schema as {_zod: {def: Record<string, unknown>}})._zod.def
    if (def.type === 'object' && typeof segment === 'string') schema = (def.shape as Record<string, unknown>)[segment]
    else if (def.type === 'array') schema = def.element
    else return []
  }
  const def = (unwrap(schema) as {_zod?: {def: Record<string, unknown>}})?._zod?.def
  return def?.type === 'object' ? Object.keys(def.shape as object) : []
}

function unwrap(schema: unknown): unknown {
  let current = schema as {_zod: {def: {type: string; innerType?: unknown}}}
  while (current?._zod && ['optional', 'default', 'nullable', 'prefault'].includes(current._zod.def.type)) {
    current = current._zod.def.innerType as typeof current
  }
  return current
}
