/**
 * artifact export: the cluster's images in one tarball for offline clusters (deploy --artifact loads it
 * on every node). Runs the container engine on this machine, or on a node given with --node.
 */
import type {Cluster} from '../config/model.js'
import {UserError} from '../errors.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {LocalHost} from '../remote/local-host.js'
import type {Host} from '../remote/host.js'
import {shellQuote} from '../remote/shell.js'
import {deployContext} from './context.js'

export interface ExportOptions {
  cluster: Cluster
  output: string
  runtime: string
  /** Run on this node instead of locally (output path is then on that node). */
  node?: string
  pool?: Partial<PoolOptions>
  signal?: AbortSignal
}

export interface ExportResult {
  images: string[]
  output: string
  where: string
  bytes: number
  sha256: string
}

export function exportScript(runtime: string, images: string[], output: string): string {
  const rt = shellQuote(runtime)
  const partial = shellQuote(`${output}.partial`)
  return [
    'set -e',
    // A failed or stopped save leaves no partial tarball behind (after the rename there is none to remove).
    `trap ${shellQuote(`rm -f -- ${partial}`)} EXIT`,
    "trap 'exit 143' TERM INT HUP",
    ...images.map(
      (image) => `${rt} image inspect ${shellQuote(image)} >/dev/null 2>&1 || ${rt} pull -q ${shellQuote(image)}`,
    ),
    `${rt} save -o ${partial} ${images.map(shellQuote).join(' ')}`,
    `mv ${partial} ${shellQuote(output)}`,
    `wc -c < ${shellQuote(output)}`,
    `sha256sum ${shellQuote(output)} | cut -d' ' -f1`,
  ].join('\n')
}

export async function exportArtifact(options: ExportOptions): Promise<ExportResult> {
  const context = deployContext(options.cluster, options.runtime)
  const images = [context.images.fdb, context.images.clickhouse, context.images.threefs]
  let host: Host
  let pool: HostPool | undefined
  if (options.node) {
    const node = options.cluster.nodes.find((entry) => entry.name === options.node)
    if (!node)
      throw new UserError(`--node ${options.node} is not a node of ${options.cluster.file}`, {
        next: 'Use a node name from cluster.yml.',
        exitCode: 2,
      })
    pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
    host = pool.get(node)
  } else {
    host = new LocalHost({name: 'local', username: '', commandTimeoutMs: 3_600_000})
  }
  try {
    const result = await host.run(exportScript(options.runtime, images, options.output), {
      sudo: Boolean(options.node),
      signal: options.signal,
      timeoutMs: 3_600_000,
      label: `export ${images.length} images`,
    })
    if (result.exitCode !== 0) {
      throw new UserError(
        `exporting the images failed on ${host.name}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`,
        {next: [`Check that ${options.runtime} runs there and can reach the registry (images: ${images.join(', ')}).`]},
      )
    }
    const [bytes, sha256] = result.stdout.trim().split('\n').slice(-2)
    return {images, output: options.output, where: host.name, bytes: Number(bytes), sha256: sha256!.trim()}
  } finally {
    await host.close()
    await pool?.closeAll()
  }
}
