/**
 * python verify: on every client node, run the seed's two checks inside the installed venv with data it
 * generates (no download): Python DuckDB with the threefs extension writing and reading Parquet through
 * 3fs://... and /3fs/..., and smallpond's read_parquet -> repartition(hash_by) -> partial_sql ->
 * write_parquet on the mount compared with the same query in DuckDB. Per node: verdict, timings, and
 * whether its directory under the mount was removed.
 */
import {randomBytes} from 'node:crypto'

import type {Cluster} from '../config/model.js'
import {defaultSettings, installPaths} from '../duckdb/install.js'
import {fanOut} from '../remote/fanout.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'
import {clientNodes, defaultVenv} from './install.js'
import {VERIFY_PY} from './verify-script.js'

export interface PythonVerifyOptions {
  cluster: Cluster
  nodes?: string[]
  venv?: string
  rows: number
  partitions: number
  plan: boolean
  pool?: Partial<PoolOptions>
  concurrency?: number
  signal?: AbortSignal
}

export interface PythonVerifyNode {
  node: string
  ok: boolean
  ms?: Record<string, number>
  duckdb?: {ok: boolean; expected: unknown[]; read3fs: unknown[]; readPath: unknown[]; copy: unknown[]}
  smallpond?: {ok: boolean; groups: number; expectedGroups: number}
  removed?: boolean
  totalMs?: number
  error?: string
}

export interface PythonVerifyResult {
  plan: boolean
  ok: boolean
  venv: string
  steps?: string[]
  nodes: PythonVerifyNode[]
}

export async function verifyPython(options: PythonVerifyOptions): Promise<PythonVerifyResult> {
  const nodes = clientNodes(options.cluster, options.nodes)
  const venv = (options.venv ?? defaultVenv(options.cluster)).replace(/\/+$/, '')
  const settings = defaultSettings(options.cluster, {})
  const mount = settings.mountRoot.replace(/\/$/, '')
  const lib = installPaths(options.cluster).lib
  if (options.plan) {
    const steps = [
      `${venv}/bin/python: import duckdb, LOAD threefs, threefs_mount_root = '${settings.mountRoot}'`,
      `COPY ${options.rows} generated rows TO 3fs://${mount.replace(/^\//, '')}/.3fs-cli-python-verify/<node>-<random>/prices.parquet, read back through 3fs:// and ${mount}/..., COPY to ${mount}/... and read back`,
      `smallpond: read_parquet -> repartition(${options.partitions}, hash_by="ticker") -> partial_sql(min/max/count per ticker) -> write_parquet, compared with the same query in DuckDB`,
      'remove the directory',
    ]
    return {plan: true, ok: true, venv, steps, nodes: nodes.map((node) => ({node: node.name, ok: true}))}
  }
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(
      nodes,
      async (node, signal) => {
        const dir = `${mount}/.3fs-cli-python-verify/${node.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${randomBytes(4).toString('hex')}`
        // The extension needs libhf3fs_api_shared.so from duckdb install even without ldconfig.
        const command = `LD_LIBRARY_PATH=${shellQuote(lib)}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ${shellQuote(`${venv}/bin/python`)} - ${[dir, settings.mountRoot, String(options.rows), String(options.partitions)].map(shellQuote).join(' ')}`
        const started = performance.now()
        const result = await pool
          .get(node)
          .run(command, {stdin: VERIFY_PY, signal, timeoutMs: 900_000, label: 'python verify'})
        return {result, totalMs: Math.round(performance.now() - started)}
      },
      {concurrency: options.concurrency ?? options.cluster.ssh.concurrency, signal: options.signal},
    )
    const results: PythonVerifyNode[] = outcomes.map((outcome) => {
      if (!outcome.ok)
        return {
          node: outcome.node,
          ok: false,
          error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
        }
      const {result, totalMs} = outcome.value
      const last = result.stdout.trim().split('\n').at(-1) ?? ''
      let parsed: Omit<PythonVerifyNode, 'node'> | undefined
      try {
        parsed = JSON.parse(last) as Omit<PythonVerifyNode, 'node'>
      } catch {
        parsed = undefined
      }
      if (!parsed)
        return {
          node: outcome.node,
          ok: false,
          totalMs,
          error: `${venv}/bin/python exited with ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`,
        }
      const error =
        parsed.error ??
        (parsed.ok
          ? undefined
          : parsed.duckdb && !parsed.duckdb.ok
            ? 'DuckDB read back other rows than it wrote'
            : 'smallpond result differs from the same query in DuckDB')
      return {
        node: outcome.node,
        ...parsed,
        ok: Boolean(parsed.ok) && parsed.removed === true,
        totalMs,
        ...(error ? {error} : {}),
      }
    })
    return {plan: false, ok: results.every((entry) => entry.ok), venv, nodes: results}
  } finally {
    await pool.closeAll()
  }
}
