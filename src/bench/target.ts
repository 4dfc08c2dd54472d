/**
 * Where a benchmark runs: this machine alone (no cluster.yml), or the chosen nodes of a cluster, each
 * with its Host, worker binary, cores and memory, plus one directory that every node sees (the 3FS mount).
 */
import {clusterMountpoint} from '../cluster/defaults.js'
import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {availableParallelism, freemem, tmpdir, totalmem} from 'node:os'
import {join, posix, resolve} from 'node:path'

import {UsageError, UserError} from '../errors.js'

import type {Cluster} from '../config/model.js'
import {fanOut, valuesOrThrow} from '../remote/fanout.js'
import type {Host} from '../remote/host.js'
import {LocalHost} from '../remote/local-host.js'
import {RemoteError} from '../remote/errors.js'
import {shellQuote} from '../remote/shell.js'
import {DEFAULT_MEMORY_SHARE, parseResources, RESOURCES_PROBE} from './resources.js'
import {ensureWorker} from './worker.js'

export interface BenchNode {
  name: string
  host: Host
  worker: string
  cores: number
  /** Memory available for the worker on this node. */
  memoryBytes: number
}

export interface BenchTarget {
  nodes: BenchNode[]
  /** Shared directory for this run's files: a new directory this run created (see RUN_MARKER), or given as is. */
  dir: string
  /** True when this run created `dir` and marked it: only then is it removed, by removeRunDir. */
  dirIsTemporary: boolean
  /**
   * Removes `dir` and everything in it, only when this run created it and its marker still names this run.
   * When it could not (a node lost), `leftover` then holds the command that removes it later.
   */
  removeRunDir(): Promise<void>
  /** Set when removeRunDir could not remove the run directory: the `bench clean` command that will. */
  leftover?: string
  local: boolean
  /** The 3FS mount point on the nodes (cluster runs): usrbio needs the mount point itself. */
  mountPoint?: string
  close(): Promise<void>
}

export interface TargetOptions {
  cluster?: Cluster
  nodes?: string[]
  /**
   * Where the run makes its own new directory (run-<time>-<id>, holding RUN_MARKER); nothing else in it is
   * touched. Default: the temp dir locally, <mount>/<purpose> on a cluster. With runDir false, used as is.
   */
  dir?: string
  /** False for commands that write nowhere but where the user said (gen, validate): no run directory. */
  runDir?: boolean
  /** Subdirectory name under the mount for cluster runs. */
  purpose: string
  /** Share of a node's available memory the worker may use. */
  memoryShare?: number
  signal?: AbortSignal
}

/** The file that marks a directory as made by one 3fs-cli run; it holds the run id. */
export const RUN_MARKER = '.3fs-cli-run'

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(4).toString('hex')}`
}

/** Makes `parent` (if needed) and a new run directory in it, marked with the run id; never reuses a directory. */
async function makeLocalRunDir(parent: string, purpose: string): Promise<{dir: string; id: string}> {
  try {
    await mkdir(parent, {recursive: true})
    const dir = await mkdtemp(join(resolve(parent), `3fs-cli-${purpose}-`))
    const id = posix.basename(dir)
    await writeFile(join(dir, RUN_MARKER), `${id}\n`, {flag: 'wx'})
    return {dir, id}
  } catch (error) {
    throw new UsageError(`cannot make a run directory in ${parent}: ${(error as Error).message}`, {
      next: 'Give --dir a directory you can write to (the run makes its own subdirectory there).',
    })
  }
}

async function removeLocalRunDir(dir: string, id: string): Promise<boolean> {
  const marker = await readFile(join(dir, RUN_MARKER), 'utf8').catch(() => '')
  if (marker.trim() !== id) return true
  try {
    await rm(dir, {recursive: true, force: true})
    return true
  } catch {
    return false
  }
}

/** Shell: removes the run directory only when its marker names this run (then prints `removed`). */
export function removeRunDirScript(dir: string, id: string): string {
  // Single-quoted: a --dir holding $(...) or backquotes is a name here, never a command.
  return `if [ "$(head -c 256 -- ${shellQuote(posix.join(dir, RUN_MARKER))} 2>/dev/null)" = ${shellQuote(id)} ]; then rm -rf -- ${shellQuote(dir)} && echo removed; elif [ ! -e ${shellQuote(dir)} ]; then echo removed; fi`
}

/** What a user runs to remove run directories a run could not remove itself. */
export function cleanCommand(parent: string, clusterFile?: string): string {
  return `3fs-cli bench clean${clusterFile ? ` -c ${shellQuote(clusterFile)}` : ''} --dir ${shellQuote(parent)} --remove`
}

export async function openTarget(options: TargetOptions): Promise<BenchTarget> {
  const share = options.memoryShare ?? DEFAULT_MEMORY_SHARE
  const ownDir = options.runDir !== false
  if (!options.cluster) {
    const host = new LocalHost({name: 'local', commandTimeoutMs: 24 * 3600 * 1000})
    const made = ownDir ? await makeLocalRunDir(options.dir ?? tmpdir(), options.purpose) : undefined
    const target: BenchTarget = {
      nodes: [
        {
          name: 'local',
          host,
          worker: await ensureWorker(host),
          cores: availableParallelism(),
          memoryBytes: Math.floor(Math.min(freemem(), totalmem()) * share),
        },
      ],
      dir: made?.dir ?? options.dir ?? '/',
      dirIsTemporary: made !== undefined,
      removeRunDir: async () => {
        if (made && !(await removeLocalRunDir(made.dir, made.id)))
          target.leftover = cleanCommand(posix.dirname(made.dir))
      },
      local: true,
      close: () => host.close(),
    }
    return target
  }
  const cluster = options.cluster
  // SSH and the schema are loaded only for cluster runs: a local run starts faster without them.
  const [{selectNodes}, {HostPool}] = await Promise.all([import('../config/select.js'), import('../remote/pool.js')])
  const chosen =
    options.nodes !== undefined
      ? selectNodes(cluster, {nodes: options.nodes})
      : selectNodes(cluster, {service: 'client'})
  const pool = new HostPool({ssh: cluster.ssh})
  const mount = clusterMountpoint(cluster)
  const id = newRunId()
  const dir = ownDir
    ? posix.join(posix.normalize(options.dir ?? `${mount}/${options.purpose}`), id)
    : (options.dir ?? '/')
  // The name is new (time and random id): every node makes it if it is not there yet, and marks it once.
  const marker = shellQuote(posix.join(dir, RUN_MARKER))
  const makeDir = ownDir
    ? `mkdir -p -- ${shellQuote(dir)} && { [ -e ${marker} ] || echo ${id} > ${marker}; } && echo dir-ok`
    : 'echo dir-ok'
  /** Tries each host in turn (the mount is shared, one is enough); false when none could. */
  const removeRunDir = async (hosts: Host[]): Promise<boolean> => {
    if (!ownDir) return true
    for (const host of hosts) {
      const removed = await host.run(removeRunDirScript(dir, id), {timeoutMs: 60_000}).catch(() => undefined)
      if (removed?.exitCode === 0 && removed.stdout.includes('removed')) return true
    }
    return false
  }
  const leftover = cleanCommand(posix.dirname(dir), cluster.file)
  const outcomes = await fanOut(
    chosen,
    async (node, signal) => {
      const host = pool.get(node)
      // One round trip: resources, the run directory, and the login home (where the worker binary goes).
      const probe = await host.run(`${RESOURCES_PROBE}; ${makeDir}; printf '%s\\n' "$HOME"`, {signal, check: true})
      const lines = probe.stdout.trim().split('\n')
      if (lines[2] !== 'dir-ok')
        throw new RemoteError(
          node.name,
          'command',
          `cannot create ${dir}`,
          'Check that the 3FS mount is there and writable.',
        )
      const {cores, memoryBytes} = parseResources(node.name, lines, share)
      const worker = await ensureWorker(host, signal, lines[3]?.trim() || undefined)
      return {name: node.name, host, worker, cores, memoryBytes}
    },
    {concurrency: cluster.ssh.concurrency, failFast: true, signal: options.signal},
  )
  try {
    const nodes = valuesOrThrow(outcomes)
    const target: BenchTarget = {
      nodes,
      dir,
      dirIsTemporary: ownDir,
      removeRunDir: async () => {
        if (!(await removeRunDir(nodes.map((node) => node.host)))) target.leftover = leftover
      },
      local: false,
      mountPoint: mount,
      close: () => pool.closeAll(),
    }
    return target
  } catch (error) {
    // A node could not be reached: the run directory the others made (or a node stopped mid-way made) is
    // removed again, through any node that answers; the reachable ones first.
    const order = [
      ...chosen.filter((_, index) => outcomes[index]!.ok),
      ...chosen.filter((_, index) => !outcomes[index]!.ok),
    ]
    const removed = await removeRunDir(order.map((node) => pool.get(node)))
    await pool.closeAll()
    // No node could remove it (all lost): the error says how to, once a node is back.
    if (!removed && error instanceof UserError)
      error.next.push(`Files of this run may be left on the mount; remove them with: ${leftover}`)
    throw error
  }
}
