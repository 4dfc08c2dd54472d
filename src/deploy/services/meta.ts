/** meta: configs, its main config uploaded to mgmtd (set-config --type META), containers, heartbeats. */
import type {ConfigOverride} from '../../cluster/threefs-config/render.js'
import {nodesOf} from '../../config/model.js'
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {
  FDB_CLUSTER_FILE_IN_CONTAINER,
  listenerOverrides,
  logLevelOverride,
  monitorOverride,
  run,
  serviceArgs,
  setConfigAction,
  startContainerCommand,
  threefsContainerOptions,
  threefsVolumes,
  waitForAdminCli,
  writeConfig,
  writeConfigTo,
} from './common.js'
import {rollStarts} from './rolling.js'

export function metaMainOverrides(context: DeployContext): ConfigOverride[] {
  const settings = context.cluster.config.services.meta!
  return [
    logLevelOverride(context),
    monitorOverride(context),
    // Rendered even when equal to the shipped 8001/9001: meta's CODE defaults are 8000/9000
    // (src/meta/service/MetaServer.h:48-57), mgmtd's ports, and reuse_port is off (src/common/net/Listener.h:22).
    ...listenerOverrides(context, {rdma: settings.rdmaListenPort, tcp: settings.tcpListenPort}),
    {key: 'server.fdb.clusterFile', value: FDB_CLUSTER_FILE_IN_CONTAINER},
    {key: 'server.kv_engine.fdb.clusterFile', value: FDB_CLUSTER_FILE_IN_CONTAINER},
    {key: 'server.mgmtd_client.mgmtd_server_addresses', value: context.mgmtdAddresses},
  ]
}

export function metaActions(context: DeployContext): Action[] {
  const nodes = nodesOf(context.cluster, 'meta')
  const admin = context.adminNode.name
  const adminCopy = writeConfigTo(
    context,
    admin,
    'meta',
    context.paths.etc('mgmtd'),
    'meta_main.toml',
    metaMainOverrides(context),
  )
  const actions: Action[] = [adminCopy, setConfigAction(context, 'META', adminCopy, 'meta')]
  for (const [index, node] of nodes.entries()) {
    const first = writeConfig(context, node.name, 'meta', 'meta_main_launcher.toml', [
      {key: 'cluster_id', value: context.cluster.name},
      {key: 'mgmtd_client.mgmtd_server_addresses', value: context.mgmtdAddresses},
    ])
    actions.push(
      index === 0 ? barrier(first) : first,
      writeConfig(context, node.name, 'meta', 'meta_main_app.toml', [
        {key: 'node_id', value: context.nodeIds.meta.get(node.name)!},
      ]),
      writeConfig(context, node.name, 'meta', 'meta_main.toml', metaMainOverrides(context)),
      run(
        node.name,
        'meta',
        'start',
        `start ${context.containers.meta}`,
        startContainerCommand(context, {
          service: 'meta',
          image: context.images.threefs,
          options: threefsContainerOptions(true),
          volumes: threefsVolumes(context, 'meta'),
          args: serviceArgs('meta_main'),
        }),
        'start-container',
      ),
    )
  }
  actions.push(barrier(waitForHeartbeats(context, 'META', [...context.nodeIds.meta.values()], 'meta')))
  return rollStarts(context, actions)
}

/** Waits until list-nodes shows every id of that type HEARTBEAT_CONNECTED. */
export function waitForHeartbeats(
  context: DeployContext,
  nodeType: 'META' | 'STORAGE',
  ids: number[],
  service: 'meta' | 'storage',
): Action {
  return waitForAdminCli(
    context,
    service,
    'heartbeats',
    `wait until ${ids.length} ${nodeType} service(s) send heartbeats`,
    {kind: 'heartbeats', nodeType, ids},
    300_000,
  )
}
