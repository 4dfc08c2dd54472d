/**
 * mgmtd: configs on every mgmtd node, init-cluster once (before mgmtd starts, as 3FS's guide says),
 * then the containers, then a wait for a primary. The admin node (first mgmtd node) also keeps the main
 * configs of meta, storage and fuse, because set-config reads them inside its mgmtd container.
 */
import {IMAGE_BIN_DIR, IMAGE_ETC_DIR} from '../../cluster/services.js'
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {adminCliCommand, run, serviceArgs, startContainerCommand, threefsVolumes, waitFor, writeConfig} from './common.js'

/** 3FS's own files: mgmtd 8000/9000, meta 8001/9001, storage 8000/9000. Other ports need the listener groups. */
export const DEFAULT_PORTS = {mgmtd: [8000, 9000], meta: [8001, 9001], storage: [8000, 9000]} as const

export const FDB_CLUSTER_FILE_IN_CONTAINER = '/etc/foundationdb/fdb.cluster'

export function listenerValues(service: 'mgmtd' | 'meta' | 'storage', rdmaPort: number, tcpPort: number, rdmaService: string): Record<string, string | number | boolean> {
  const [rdmaDefault, tcpDefault] = DEFAULT_PORTS[service]
  return {listeners: rdmaPort !== rdmaDefault || tcpPort !== tcpDefault, rdma_network_type: 'RDMA', rdma_service: rdmaService, rdma_port: rdmaPort, tcp_port: tcpPort}
}

export function adminCliValues(context: DeployContext): Record<string, string | string[]> {
  return {cluster_id: context.cluster.name, fdb_cluster_file: FDB_CLUSTER_FILE_IN_CONTAINER, mgmtd_addresses: context.mgmtdAddresses}
}

export function mgmtdActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.mgmtd!
  const nodes = nodesOf(context.cluster, 'mgmtd')
  const etc = context.paths.etc('mgmtd')
  const actions: Action[] = []
  for (const node of nodes) {
    actions.push(
      writeConfig(node.name, 'mgmtd', etc, 'admin_cli.toml', adminCliValues(context)),
      writeConfig(node.name, 'mgmtd', etc, 'mgmtd_main_launcher.toml', {cluster_id: context.cluster.name, fdb_cluster_file: FDB_CLUSTER_FILE_IN_CONTAINER}),
      writeConfig(node.name, 'mgmtd', etc, 'mgmtd_main_app.toml', {node_id: context.nodeIds.mgmtd.get(node.name)!}),
      writeConfig(node.name, 'mgmtd', etc, 'mgmtd_main.toml', {monitor_address: context.monitorAddress, ...listenerValues('mgmtd', settings.rdmaListenPort, settings.tcpListenPort, 'Mgmtd')}),
    )
  }
  const admin = context.adminNode.name
  // init-cluster runs in a throwaway container: mgmtd must not run yet. It is recorded once applied,
  // because running it twice fails (the cluster exists) and re-initializing would need fdb wiped.
  const init = [
    context.runtime, 'run', '--rm', '--network', 'host',
    ...threefsVolumes(context, 'mgmtd').flatMap(([host, container]) => ['-v', `${host}:${container}`]),
    context.images.threefs,
    `${IMAGE_BIN_DIR}/admin_cli`, '-cfg', `${IMAGE_ETC_DIR}/admin_cli.toml`,
    `init-cluster --mgmtd ${IMAGE_ETC_DIR}/mgmtd_main.toml 1 ${settings.chunkSize} ${settings.stripeSize}`,
  ].map(shellQuote).join(' ')
  actions.push({...barrier(run(admin, 'mgmtd', 'init-cluster', `init-cluster (chain table 1, chunk ${settings.chunkSize}, stripe ${settings.stripeSize})`, init, 'admin-cli')), adminCli: true})
  for (const [index, node] of nodes.entries()) {
    const start = run(
        node.name,
        'mgmtd',
        'start',
        `start ${context.containers.mgmtd}`,
        startContainerCommand(context, {service: 'mgmtd', image: context.images.threefs, options: ['--privileged', '--ulimit', 'memlock=-1'], volumes: threefsVolumes(context, 'mgmtd'), args: serviceArgs('mgmtd_main')}),
        'start-container',
      )
    actions.push(index === 0 ? barrier(start) : start)
  }
  actions.push(barrier(waitFor(admin, 'mgmtd', 'primary', 'wait for a primary mgmtd', adminCliCommand(context, 'list-nodes'), 'PRIMARY_MGMTD', 120_000)))
  return actions
}
