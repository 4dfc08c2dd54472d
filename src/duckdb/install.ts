/**
 * duckdb install: ship one build to every client node: the DuckDB CLI, the extension into the directory
 * that DuckDB version looks in, libhf3fs_api_shared.so where the loader finds it, the Python wheel when
 * built, an init file that loads threefs with the cluster's mount root, and a `duckdb-3fs` command.
 * An extension whose DuckDB version differs from the CLI's is refused before anything is sent.
 */
import {clusterMountpoint, DEFAULT_DUCKDB_BIN_DIR} from '../cluster/defaults.js'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {nodesOf, type Cluster, type ClusterNode} from '../config/model.js'
import {selectNodes} from '../config/select.js'
import {UserError} from '../errors.js'
import {fanOut} from '../remote/fanout.js'
import type {Host} from '../remote/host.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {aptInstallHint, describeMissing, libraryDependencies} from '../remote/library-deps.js'
import {shellQuote} from '../remote/shell.js'
import {ARTIFACT_FILES, resolveArtifacts, type ArtifactManifest} from './artifacts.js'
import {parseExtensionFooter, versionsMatch} from './extension-metadata.js'

export interface ExtensionSettings {
  mountRoot: string
  iovSize: number
  iorEntries: number
  ioDepth: number
}

export interface InstallOptions {
  cluster: Cluster
  nodes?: string[]
  artifacts?: string
  settings: Partial<ExtensionSettings>
  plan: boolean
  /** Where the duckdb-3fs command goes. */
  binDir: string
  /** Register the library directory with the dynamic loader (/etc/ld.so.conf.d + ldconfig), for Python too. */
  ldconfig: boolean
  pool?: Partial<PoolOptions>
  concurrency?: number
  signal?: AbortSignal
}

export interface InstallStep {
  description: string
  path?: string
}

export interface InstallResult {
  plan: boolean
  duckdbVersion: string
  artifacts: string
  nodes: Array<{
    node: string
    ok: boolean
    steps: InstallStep[]
    skipped?: number
    error?: string
    extensionPath?: string
  }>
}

export const DEFAULT_BIN_DIR = DEFAULT_DUCKDB_BIN_DIR

export function installPaths(
  cluster: Cluster,
  binDir = DEFAULT_BIN_DIR,
): {root: string; bin: string; lib: string; init: string; wrapper: string; wheels: string} {
  const root = `${cluster.config.workDir}/duckdb`
  return {
    root,
    bin: `${root}/bin/duckdb`,
    lib: `${root}/lib`,
    init: `${root}/threefs-init.sql`,
    wrapper: `${binDir.replace(/\/$/, '')}/duckdb-3fs`,
    wheels: `${root}/wheels`,
  }
}

export function defaultSettings(cluster: Cluster, settings: Partial<ExtensionSettings>): ExtensionSettings {
  const mount = clusterMountpoint(cluster)
  // threefs_mount_root defaults to "/" in the extension, which is wrong on a real cluster.
  return {
    mountRoot: settings.mountRoot ?? `${mount.replace(/\/$/, '')}/`,
    iovSize: settings.iovSize ?? 1_048_576,
    iorEntries: settings.iorEntries ?? 1024,
    ioDepth: settings.ioDepth ?? 0,
  }
}

export function initSql(settings: ExtensionSettings): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`
  return [
    '-- Written by 3fs-cli duckdb install: load the 3FS extension and point it at the cluster mount.',
    'LOAD threefs;',
    `SET threefs_mount_root = ${quote(settings.mountRoot)};`,
    `SET threefs_iov_size = ${settings.iovSize};`,
    `SET threefs_ior_entries = ${settings.iorEntries};`,
    `SET threefs_io_depth = ${settings.ioDepth};`,
    '',
  ].join('\n')
}

export function wrapperScript(paths: ReturnType<typeof installPaths>): string {
  // LD_LIBRARY_PATH too, so the extension finds libhf3fs_api_shared.so even without ldconfig.
  return `#!/bin/sh\n# Written by 3fs-cli duckdb install: DuckDB with the threefs extension loaded.\nLD_LIBRARY_PATH=${shellQuote(paths.lib)}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\nexport LD_LIBRARY_PATH\nexec ${shellQuote(paths.bin)} -unsigned -init ${shellQuote(paths.init)} "$@"\n`
}

/** Refuses a build whose extension would not load into its CLI. */
export async function checkMatch(dir: string, manifest: ArtifactManifest): Promise<void> {
  const footer = parseExtensionFooter(await readFile(join(dir, ARTIFACT_FILES.extension)))
  if (!footer)
    throw new UserError(`${join(dir, ARTIFACT_FILES.extension)} has no DuckDB extension footer`, {
      next: 'Rebuild it: 3fs-cli duckdb build.',
    })
  if (!versionsMatch(footer.duckdbVersion, manifest.duckdbVersion)) {
    throw new UserError(
      `the extension was built for DuckDB ${footer.duckdbVersion}, but the DuckDB CLI of this build is ${manifest.duckdbVersion}: DuckDB would refuse to load it; nothing was installed`,
      {
        next: ['Build the extension and the CLI from the same tree: 3fs-cli duckdb build (it builds both).'],
      },
    )
  }
}

async function homeOf(host: Host, signal?: AbortSignal): Promise<string> {
  const result = await host.run('printf %s "$HOME"', {signal})
  return result.stdout.trim() || '/root'
}

export async function installDuckdb(options: InstallOptions): Promise<InstallResult> {
  const {dir, manifest} = await resolveArtifacts(options.artifacts)
  await checkMatch(dir, manifest)
  const nodes: ClusterNode[] =
    options.nodes !== undefined
      ? selectNodes(options.cluster, {nodes: options.nodes})
      : nodesOf(options.cluster, 'client')
  if (nodes.length === 0)
    throw new UserError(`${options.cluster.file} has no client nodes`, {
      next: 'List them under services.client.nodes, or pass --nodes.',
      exitCode: 2,
    })
  const settings = defaultSettings(options.cluster, options.settings)
  const paths = installPaths(options.cluster, options.binDir)
  const extensionRelative = `.duckdb/extensions/${manifest.versionDirectory}/${manifest.platform}/threefs.duckdb_extension`
  const steps = (home: string): InstallStep[] => [
    {description: `DuckDB CLI ${manifest.duckdbVersion}`, path: paths.bin},
    {
      description: `3FS client library (usrbio)${options.ldconfig ? ', registered with the dynamic loader' : ''}`,
      path: `${paths.lib}/${ARTIFACT_FILES.library}`,
    },
    {
      description: `threefs extension for DuckDB ${manifest.versionDirectory} on ${manifest.platform}`,
      path: `${home}/${extensionRelative}`,
    },
    {
      description: `init file: LOAD threefs; threefs_mount_root = '${settings.mountRoot}', iov ${settings.iovSize}, ior entries ${settings.iorEntries}, io depth ${settings.ioDepth}`,
      path: paths.init,
    },
    {description: 'duckdb-3fs command (DuckDB with the init file)', path: paths.wrapper},
    ...(manifest.wheel
      ? [{description: `Python package ${manifest.wheel} (pip install)`, path: `${paths.wheels}/${manifest.wheel}`}]
      : []),
    {description: 'ldd of the library and the extension: every library they need is on the node'},
  ]
  if (options.plan) {
    return {
      plan: true,
      duckdbVersion: manifest.duckdbVersion,
      artifacts: dir,
      nodes: nodes.map((node) => ({
        node: node.name,
        ok: true,
        steps: steps(node.username === 'root' ? '/root' : `~${node.username}`),
      })),
    }
  }
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(
      nodes,
      async (node, signal) => {
        const host = pool.get(node)
        const home = await homeOf(host, signal)
        let skipped = 0
        const send = async (file: string, remote: string, mode: string, sudo: boolean) => {
          const result = await host.upload(join(dir, file), remote, {sudo, mode, signal})
          if (result.skipped) skipped++
        }
        await host.run(`mkdir -p ${shellQuote(`${home}/${extensionRelative.replace(/\/[^/]+$/, '')}`)}`, {
          check: true,
          signal,
        })
        await send(ARTIFACT_FILES.cli, paths.bin, '0755', true)
        await send(ARTIFACT_FILES.library, `${paths.lib}/${ARTIFACT_FILES.library}`, '0755', true)
        await send(ARTIFACT_FILES.extension, `${home}/${extensionRelative}`, '0644', false)
        await host.run(
          [
            ...(options.ldconfig
              ? [`printf '%s\\n' ${shellQuote(paths.lib)} > /etc/ld.so.conf.d/3fs-duckdb.conf`, 'ldconfig']
              : ['true']),
            `mkdir -p ${shellQuote(paths.wrapper.replace(/\/[^/]+$/, ''))}`,
            `printf '%s' ${shellQuote(initSql(settings))} > ${shellQuote(paths.init)}`,
            `printf '%s' ${shellQuote(wrapperScript(paths))} > ${shellQuote(paths.wrapper)}`,
            `chmod 0755 ${shellQuote(paths.wrapper)}`,
          ].join(' && '),
          {sudo: true, check: true, signal},
        )
        if (manifest.wheel) {
          await send(manifest.wheel, `${paths.wheels}/${manifest.wheel}`, '0644', true)
          await host.run(
            `python3 -m pip install --quiet --force-reinstall --no-deps ${shellQuote(`${paths.wheels}/${manifest.wheel}`)}`,
            {check: true, signal},
          )
        }
        // What the library and the extension NEED, resolved as duckdb-3fs resolves it (LD_LIBRARY_PATH
        // first): a missing one would otherwise surface only as a LOAD failure in DuckDB.
        const deps = await libraryDependencies(
          host,
          [`${paths.lib}/${ARTIFACT_FILES.library}`, `${home}/${extensionRelative}`],
          {libraryPath: paths.lib, signal},
        )
        const broken = deps.filter((entry) => entry.missing.length > 0)
        if (broken.length > 0) {
          throw new UserError(
            `${node.name} lacks ${describeMissing(broken)}: DuckDB would fail to LOAD threefs there`,
            {
              next: `Install them on ${node.name}: ${aptInstallHint(broken) || 'find the packages with apt-file search'}, then run duckdb install again.`,
            },
          )
        }
        return {home, skipped}
      },
      {concurrency: options.concurrency ?? options.cluster.ssh.concurrency, signal: options.signal},
    )
    return {
      plan: false,
      duckdbVersion: manifest.duckdbVersion,
      artifacts: dir,
      nodes: outcomes.map((outcome, index) =>
        outcome.ok
          ? {
              node: outcome.node,
              ok: true,
              steps: steps(outcome.value.home),
              skipped: outcome.value.skipped,
              extensionPath: `${outcome.value.home}/${extensionRelative}`,
            }
          : {
              node: nodes[index]!.name,
              ok: false,
              steps: [],
              error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
            },
      ),
    }
  } finally {
    await pool.closeAll()
  }
}
