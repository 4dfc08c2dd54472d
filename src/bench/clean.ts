/**
 * `bench clean`: the run directories benchmarks made and could not remove (a node lost, the process
 * killed), found by their marker and removed only on request. A directory counts as a run's only when it
 * is a real directory (not a symlink) named like a run and holding a regular RUN_MARKER file that names
 * the directory itself: a user's directory never matches, whatever it holds.
 */
import {tmpdir} from 'node:os'
import {posix, resolve} from 'node:path'

import type {Cluster} from '../config/model.js'
import {UsageError} from '../errors.js'
import type {Host} from '../remote/host.js'
import {LocalHost} from '../remote/local-host.js'
import {RemoteError} from '../remote/errors.js'
import {shellQuote} from '../remote/shell.js'
import {removeRunDirScript, RUN_MARKER} from './target.js'

/** The benchmark purposes whose default parents (<mount>/<purpose>) are searched on a cluster. */
export const RUN_PURPOSES = ['graysort', 'throughput'] as const

export interface LeftoverRun {
  dir: string
  bytes: number
  /** When the run made its marker. */
  startedAt: string
  removed?: boolean
}

export interface CleanReport {
  /** The node that looked (the mount is shared), or local. */
  node: string
  searched: string[]
  runs: LeftoverRun[]
  removed: number
}

export interface CleanOptions {
  cluster?: Cluster
  /** Parents to search; default: the temp dir locally, <mount>/<purpose> on a cluster. */
  dirs?: string[]
  remove: boolean
  signal?: AbortSignal
}

/** Shell listing the marked run directories directly inside each parent: dir, bytes, marker mtime. */
export function listRunsScript(parents: string[]): string {
  const marker = shellQuote(RUN_MARKER)
  return [
    `for p in ${parents.map(shellQuote).join(' ')}; do`,
    '  [ -d "$p" ] || continue',
    '  for d in "$p"/run-* "$p"/3fs-cli-*; do',
    `    [ -d "$d" ] && [ ! -L "$d" ] && [ -f "$d"/${marker} ] && [ ! -L "$d"/${marker} ] || continue`,
    `    [ "$(head -c 256 -- "$d"/${marker})" = "$(basename -- "$d")" ] || continue`,
    `    printf '%s\\t%s\\t%s\\n' "$d" "$(du -sb -- "$d" 2>/dev/null | cut -f1)" "$(stat -c %Y -- "$d"/${marker})"`,
    '  done',
    'done',
  ].join('\n')
}

function parseRuns(stdout: string): LeftoverRun[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const [dir, bytes, mtime] = line.split('\t')
      return {dir: dir!, bytes: Number(bytes) || 0, startedAt: new Date(Number(mtime) * 1000).toISOString()}
    })
}

function checkParents(dirs: string[]): string[] {
  return dirs.map((dir) => {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
    if (/[\x00-\x1f\x7f]/.test(dir))
      throw new UsageError(`--dir ${JSON.stringify(dir)} contains a control character`, {
        next: 'Give the directory the benchmark ran in.',
      })
    return posix.normalize(dir)
  })
}

export async function cleanRuns(options: CleanOptions): Promise<CleanReport> {
  if (!options.cluster) {
    const host = new LocalHost({name: 'local', commandTimeoutMs: 600_000})
    try {
      return await cleanOn(host, checkParents((options.dirs ?? [tmpdir()]).map((dir) => resolve(dir))), options)
    } finally {
      await host.close()
    }
  }
  const cluster = options.cluster
  const [{selectNodes}, {HostPool}] = await Promise.all([import('../config/select.js'), import('../remote/pool.js')])
  const mount = cluster.config.services.client?.hostMountpoint ?? '/3fs'
  for (const dir of options.dirs ?? [])
    if (!dir.startsWith('/'))
      throw new UsageError(`--dir ${dir} is not an absolute path on the nodes`, {next: `For example ${mount}/graysort`})
  const parents = checkParents(options.dirs ?? RUN_PURPOSES.map((purpose) => `${mount}/${purpose}`))
  const pool = new HostPool({ssh: cluster.ssh})
  const failures: string[] = []
  try {
    // The run directories are on the shared mount: the first client node that answers looks for all.
    for (const node of selectNodes(cluster, {service: 'client'})) {
      try {
        return await cleanOn(pool.get(node), parents, options)
      } catch (error) {
        if (!(error instanceof RemoteError)) throw error
        failures.push(error.message)
      }
    }
  } finally {
    await pool.closeAll()
  }
  throw new RemoteError(
    'cluster',
    'unreachable',
    `no client node could be reached to look for run directories:\n${failures.join('\n')}`,
    'Check the nodes (3fs-cli check -c cluster.yml) and run bench clean again.',
  )
}

async function cleanOn(host: Host, parents: string[], options: CleanOptions): Promise<CleanReport> {
  const listed = await host.run(listRunsScript(parents), {
    signal: options.signal,
    timeoutMs: 120_000,
    check: true,
    label: 'list run directories',
  })
  const runs = parseRuns(listed.stdout)
  let removed = 0
  if (options.remove) {
    for (const run of runs) {
      // The marker is checked again right before removal: only a run directory is ever removed.
      const result = await host.run(removeRunDirScript(run.dir, posix.basename(run.dir)), {
        signal: options.signal,
        timeoutMs: 600_000,
        label: `remove ${run.dir}`,
      })
      run.removed = result.exitCode === 0 && result.stdout.includes('removed')
      if (run.removed) removed++
    }
  }
  return {node: host.name, searched: parents, runs, removed}
}
