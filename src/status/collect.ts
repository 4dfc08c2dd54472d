/**
 * Live collection: one probe script per node, all nodes at once, and the admin_cli/fdb script on the
 * first mgmtd node that answers, in parallel with the node probes. Connections stay open between
 * rounds so that --watch refreshes cost one round trip per node.
 */
import type {Cluster, ClusterNode} from '../config/model.js'
import {RemoteError, remoteDetail} from '../remote/errors.js'
import {fanOut} from '../remote/fanout.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import type {RawStatus} from './judge.js'
import type {StatusLayout} from './layout.js'
import type {RawNode} from './node-state.js'
import {splitSections} from '../cluster/probe-protocol.js'
import {adminProbeScript, fdbProbeScript, nodeProbeScript} from './probe-scripts.js'

export interface CollectorOptions {
  cluster: Cluster
  layout: StatusLayout
  pool?: Partial<PoolOptions>
  /** Run probes as root (docker needs it unless the user is in the docker group). */
  sudo: boolean
  /** Per-node probe timeout. */
  timeoutMs: number
  concurrency?: number
}

export class StatusCollector {
  private readonly pool: HostPool

  constructor(private readonly options: CollectorOptions) {
    this.pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  }

  async collect(signal?: AbortSignal): Promise<RawStatus> {
    const {layout} = this.options
    const [nodes, admin] = await Promise.all([this.probeNodes(signal), this.probeAdmin(signal)])
    return {layout, nodes, admin, missing: []}
  }

  async close(): Promise<void> {
    await this.pool.closeAll()
  }

  private async probeNodes(signal?: AbortSignal): Promise<Record<string, RawNode>> {
    const {cluster, layout} = this.options
    const byName = new Map(layout.nodes.map((node) => [node.name, node]))
    const outcomes = await fanOut(
      cluster.nodes,
      async (node, nodeSignal) =>
        this.runScript(node, nodeProbeScript(byName.get(node.name)!, layout.runtime), nodeSignal),
      {concurrency: this.options.concurrency ?? cluster.ssh.concurrency, signal},
    )
    const result: Record<string, RawNode> = {}
    for (const outcome of outcomes) {
      result[outcome.node] = outcome.ok ? {sections: outcome.value} : {sections: {}, error: describe(outcome.error)}
    }
    return result
  }

  private async probeAdmin(signal?: AbortSignal): Promise<RawStatus['admin']> {
    const {cluster, layout} = this.options
    const nodeByName = new Map(cluster.nodes.map((node) => [node.name, node]))
    const admin: RawStatus['admin'] = {sections: {}}
    let fdbDone = false
    let lastError: {kind: string; message: string} | undefined
    for (const name of layout.adminNodes) {
      const withFdb = layout.fdbNodes.includes(name)
      try {
        admin.sections = await this.runScript(nodeByName.get(name)!, adminProbeScript(layout, withFdb), signal)
        admin.node = name
        fdbDone = withFdb
        lastError = undefined
        break
      } catch (error) {
        lastError = describe(error)
      }
    }
    if (lastError) admin.error = lastError
    if (!fdbDone) {
      for (const name of layout.fdbNodes) {
        try {
          Object.assign(admin.sections, await this.runScript(nodeByName.get(name)!, fdbProbeScript(layout), signal))
          break
        } catch {
          // The next fdb node may answer; a missing fdb status is reported by the judge.
        }
      }
    }
    return admin
  }

  private async runScript(node: ClusterNode, script: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const host = this.pool.get(node)
    const result = await host.run(script, {
      sudo: this.options.sudo,
      timeoutMs: this.options.timeoutMs,
      signal,
      label: 'status probe',
    })
    if (result.timedOut)
      throw new RemoteError(
        node.name,
        'timeout',
        `status probe did not finish within ${Math.round(this.options.timeoutMs / 1000)} s`,
        'A hung mount or container engine can cause this; probe the node by hand.',
      )
    return splitSections(result.stdout)
  }
}

function describe(error: unknown): {kind: string; message: string} {
  return {kind: error instanceof RemoteError ? error.kind : 'unknown', message: remoteDetail(error)}
}
