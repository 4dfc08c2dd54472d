/**
 * python install: on every client node a virtual environment with the DuckDB wheel of the duckdb-3fs
 * build and the smallpond-3fs wheel. Each install builds a fresh venv in its own release directory
 * beside the current one; only when pip and an import check succeed is the `venv` symlink switched to
 * it with one rename (mv -T over the link is atomic), so a failed install leaves the previous
 * environment exactly as it was. Dependencies come from the index the node reaches, or only from a
 * wheelhouse directory (pip --no-index --find-links) for clusters without one.
 */
import {readdir, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {nodesOf, type Cluster, type ClusterNode} from '../config/model.js'
import {selectNodes} from '../config/select.js'
import {resolveArtifacts} from '../duckdb/artifacts.js'
import {UserError} from '../errors.js'
import {fanOut} from '../remote/fanout.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'
import {
  buildSmallpond,
  DEFAULT_SMALLPOND_SOURCE,
  planSmallpondBuild,
  type SmallpondBuildOptions,
} from './smallpond-build.js'

export interface PythonInstallOptions {
  cluster: Cluster
  nodes?: string[]
  /** Path of the venv on each node (a symlink to the current release). */
  venv?: string
  /** Local DuckDB wheel; default: the wheel of the latest (or --artifacts) duckdb build. */
  duckdbWheel?: string
  artifacts?: string
  /** Local smallpond-3fs wheel; or smallpondRef to build it on the build node. */
  smallpondWheel?: string
  /** Build the smallpond-3fs wheel at this ref (once; reused while its checksum matches). */
  smallpondRef?: string
  smallpondSource?: string
  /** Node that builds the smallpond wheel (default: the first client node). */
  buildNode?: string
  onBuildProgress?: SmallpondBuildOptions['onProgress']
  /** Local directory of wheels: install with --no-index from it only. */
  wheelhouse?: string
  /** Interpreter on the nodes that creates the venv. */
  python: string
  plan: boolean
  pool?: Partial<PoolOptions>
  concurrency?: number
  signal?: AbortSignal
}

export interface PythonInstallNode {
  node: string
  ok: boolean
  release?: string
  previous?: string
  packages?: Record<string, string>
  error?: string
}

export interface PythonInstallResult {
  plan: boolean
  venv: string
  wheels: string[]
  wheelhouse?: string
  index: 'wheelhouse' | 'node'
  steps?: string[]
  /** The smallpond-3fs build, with --smallpond-ref. */
  smallpondBuild?: {reused: boolean; node: string; commit: string; wheel: string; dir: string}
  nodes: PythonInstallNode[]
}

/** The venv path: cluster.yml's python.venv, else <workDir>/python/venv (a --venv flag overrides both). */
export function defaultVenv(cluster: Cluster): string {
  return cluster.config.python?.venv ?? `${cluster.config.workDir}/python/venv`
}

export function clientNodes(cluster: Cluster, names?: string[]): ClusterNode[] {
  const nodes = names !== undefined ? selectNodes(cluster, {nodes: names}) : nodesOf(cluster, 'client')
  if (nodes.length === 0)
    throw new UserError(`${cluster.file} has no client nodes`, {
      next: 'List them under services.client.nodes, or pass --nodes.',
      exitCode: 2,
    })
  return nodes
}

async function mustBeFile(path: string, flag: string): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile() || !path.endsWith('.whl'))
    throw new UserError(`${flag} ${path}: not a .whl file`, {next: `Give the path of a wheel file to ${flag}.`})
}

async function wheelhouseFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => undefined)
  if (!names)
    throw new UserError(`--wheelhouse ${dir}: no such directory`, {
      next: 'Prepare it on a machine with the index: 3fs-cli python prepare-wheels --out DIR.',
    })
  return names.filter((name) => /\.(whl|tar\.gz|zip)$/.test(name)).sort()
}

/** The shell that builds one release and, only when it imports, swaps the venv link to it. */
export function installScript(options: {
  python: string
  venv: string
  release: string
  wheels: string[]
  wheelhouse?: string
}): string {
  const q = shellQuote
  const tmpLink = `${options.venv}.swap`
  const index = options.wheelhouse ? `--no-index --find-links ${q(options.wheelhouse)}` : ''
  return [
    'set -e',
    // A real directory at the venv path was not made by us: refuse rather than replace it.
    `if [ -e ${q(options.venv)} ] && [ ! -L ${q(options.venv)} ]; then echo "${options.venv} exists and is not a 3fs-cli venv link; move it away or choose another --venv" >&2; exit 3; fi`,
    `mkdir -p ${q(options.release.replace(/\/[^/]+$/, ''))}`,
    `trap 'rm -rf ${q(options.release)} ${q(tmpLink)}' EXIT`,
    `${q(options.python)} -m venv ${q(options.release)}`,
    `${q(`${options.release}/bin/python`)} -m pip install --quiet --disable-pip-version-check ${index} ${options.wheels.map(q).join(' ')}`,
    // Import check without loading the extension (that needs the mount; verify does it).
    `${q(`${options.release}/bin/python`)} -c 'import duckdb, smallpond'`,
    `${q(`${options.release}/bin/python`)} -m pip list --format=json --disable-pip-version-check > ${q(`${options.release}/.3fs-cli-packages.json`)}`,
    `previous=$(readlink ${q(options.venv)} 2>/dev/null || true)`,
    `ln -sfn ${q(options.release)} ${q(tmpLink)}`,
    `mv -T ${q(tmpLink)} ${q(options.venv)}`,
    'trap - EXIT',
    // Keep the release just replaced (for a manual rollback); older ones go.
    `for old in ${q(options.release.replace(/\/[^/]+$/, ''))}/*; do [ "$old" = ${q(options.release)} ] || [ "$old" = "$previous" ] || rm -rf "$old"; done`,
    'printf "previous=%s\\n" "$previous"',
    `cat ${q(`${options.release}/.3fs-cli-packages.json`)}`,
  ].join('\n')
}

export async function installPython(options: PythonInstallOptions): Promise<PythonInstallResult> {
  const nodes = clientNodes(options.cluster, options.nodes)
  const duckdbWheel = options.duckdbWheel ?? (await duckdbWheelOfBuild(options.artifacts))
  await mustBeFile(duckdbWheel, '--duckdb-wheel')
  if (!options.smallpondWheel === !options.smallpondRef)
    throw new UserError('give exactly one of --smallpond-wheel and --smallpond-ref', {
      exitCode: 2,
      next: 'A wheel file you built, or the smallpond-3fs ref to build on the build node.',
    })
  if (options.smallpondWheel) await mustBeFile(options.smallpondWheel, '--smallpond-wheel')
  const build: SmallpondBuildOptions | undefined = options.smallpondRef
    ? {
        cluster: options.cluster,
        node: options.buildNode,
        source: options.smallpondSource ?? DEFAULT_SMALLPOND_SOURCE,
        ref: options.smallpondRef,
        python: options.python,
        pool: options.pool,
        signal: options.signal,
        onProgress: options.onBuildProgress,
      }
    : undefined
  const house = options.wheelhouse ? await wheelhouseFiles(options.wheelhouse) : undefined
  const venv = (options.venv ?? defaultVenv(options.cluster)).replace(/\/+$/, '')
  const base = venv.replace(/\/[^/]+$/, '')
  const remoteWheels = `${base}/wheels`
  const remoteHouse = `${base}/wheelhouse`
  const smallpondName = options.smallpondWheel ? basename(options.smallpondWheel) : 'smallpond-<built>.whl'
  const release = `${venv}.releases/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`
  const steps = [
    ...(build ? [planSmallpondBuild(build)] : []),
    `send ${basename(duckdbWheel)}, ${smallpondName} to ${remoteWheels}`,
    ...(house
      ? [
          `send ${house.length} wheelhouse file(s) to ${remoteHouse}; pip install --no-index --find-links ${remoteHouse}`,
        ]
      : ['pip install, dependencies from the index the node reaches']),
    `${options.python} -m venv ${venv}.releases/<stamp> (beside the current one)`,
    'import duckdb, smallpond in the new venv',
    `switch ${venv} -> the new release with one rename; keep the previous release, remove older ones`,
  ]
  const head = {
    venv,
    wheels: [basename(duckdbWheel), smallpondName],
    index: house ? ('wheelhouse' as const) : ('node' as const),
    ...(options.wheelhouse ? {wheelhouse: options.wheelhouse} : {}),
  }
  if (options.plan) return {plan: true, ...head, steps, nodes: nodes.map((node) => ({node: node.name, ok: true}))}
  // Built (or reused) before any client node is touched: a failed build changes no venv.
  const built = build ? await buildSmallpond(build) : undefined
  const wheels = [duckdbWheel, built?.wheel ?? options.smallpondWheel!]
  head.wheels = wheels.map((wheel) => basename(wheel))
  const smallpondBuild = built
    ? {
        reused: built.reused,
        node: built.node,
        commit: built.manifest.source.commit,
        wheel: built.wheel,
        dir: built.dir,
      }
    : undefined
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(
      nodes,
      async (node, signal) => {
        const host = pool.get(node)
        for (const wheel of wheels)
          await host.upload(wheel, `${remoteWheels}/${basename(wheel)}`, {sudo: true, mode: '0644', signal})
        for (const file of house ?? [])
          await host.upload(join(options.wheelhouse!, file), `${remoteHouse}/${file}`, {
            sudo: true,
            mode: '0644',
            signal,
          })
        const script = installScript({
          python: options.python,
          venv,
          release,
          wheels: wheels.map((wheel) => `${remoteWheels}/${basename(wheel)}`),
          ...(house ? {wheelhouse: remoteHouse} : {}),
        })
        const result = await host.run(script, {sudo: true, signal, timeoutMs: 1_800_000, label: 'python install'})
        if (result.exitCode !== 0)
          throw new Error(
            `install failed (exit ${result.exitCode}), previous venv left in place: ${(result.stderr || result.stdout).trim().split('\n').slice(-4).join(' | ')}`,
          )
        const lines = result.stdout.trim().split('\n')
        const previous = lines.find((line) => line.startsWith('previous='))?.slice('previous='.length) || undefined
        const list = JSON.parse(lines.at(-1) ?? '[]') as Array<{name: string; version: string}>
        return {previous, packages: Object.fromEntries(list.map((entry) => [entry.name, entry.version]))}
      },
      {concurrency: options.concurrency ?? options.cluster.ssh.concurrency, signal: options.signal},
    )
    return {
      plan: false,
      ...head,
      ...(smallpondBuild ? {smallpondBuild} : {}),
      nodes: outcomes.map((outcome) =>
        outcome.ok
          ? {
              node: outcome.node,
              ok: true,
              release,
              ...(outcome.value.previous ? {previous: outcome.value.previous} : {}),
              packages: outcome.value.packages,
            }
          : {
              node: outcome.node,
              ok: false,
              error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
            },
      ),
    }
  } finally {
    await pool.closeAll()
  }
}

async function duckdbWheelOfBuild(artifacts?: string): Promise<string> {
  const {dir, manifest} = await resolveArtifacts(artifacts)
  if (!manifest.wheel)
    throw new UserError(`the duckdb build in ${dir} has no Python wheel`, {
      next: ['Rebuild with it: 3fs-cli duckdb build -c cluster.yml --python', 'or give one with --duckdb-wheel.'],
    })
  return join(dir, manifest.wheel)
}
