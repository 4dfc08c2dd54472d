/**
 * mgmtd: configs on every mgmtd node, init-cluster once (before mgmtd starts, as 3FS's guide says),
 * then the containers, a wait for a primary, and mgmtd's own main config pushed with set-config so that
 * a changed mgmtd_main.toml reaches a running cluster (init-cluster stores it only the first time). The
 * admin node (first mgmtd node) also keeps the main configs of meta, storage and fuse, because
 * set-config reads them inside its mgmtd container.
 */
import {adminCliInvocation} from '../../cluster/admin-cli.js'
import {IMAGE_ETC_DIR} from '../../cluster/services.js'
import type {ConfigOverride} from '../../cluster/threefs-config/render.js'
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
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
} from './common.js'
import {rollStarts} from './rolling.js'

export function adminCliOverrides(context: DeployContext): ConfigOverride[] {
  return [
    {key: 'cluster_id', value: context.cluster.name},
    {key: 'fdb.clusterFile', value: FDB_CLUSTER_FILE_IN_CONTAINER},
    {key: 'mgmtd_client.mgmtd_server_addresses', value: context.mgmtdAddresses},
  ]
}

export function mgmtdMainOverrides(context: DeployContext): ConfigOverride[] {
  const settings = context.cluster.config.services.mgmtd!
  return [
    logLevelOverride(context),
    monitorOverride(context),
    ...listenerOverrides(context, {rdma: settings.rdmaListenPort, tcp: settings.tcpListenPort}, context.mgmtdProtocol),
    // The code default is false (src/mgmtd/service/MgmtdConfig.h:14) and HeartbeatOperation.cc:35-41 then
    // refuses meta and storage as "not registered"; 3FS's shipped file and m3fs set true. Pinned here so
    // that a different shipped value at another commit cannot stop the deploy unnoticed.
    {key: 'server.service.allow_heartbeat_from_unregistered', value: true},
  ]
}

export function mgmtdActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.mgmtd!
  const nodes = nodesOf(context.cluster, 'mgmtd')
  const actions: Action[] = []
  let mainWrite: Action | undefined
  for (const node of nodes) {
    const main = writeConfig(context, node.name, 'mgmtd', 'mgmtd_main.toml', mgmtdMainOverrides(context))
    mainWrite ??= main
    actions.push(
      writeConfig(context, node.name, 'mgmtd', 'admin_cli.toml', adminCliOverrides(context)),
      writeConfig(context, node.name, 'mgmtd', 'mgmtd_main_launcher.toml', [
        {key: 'cluster_id', value: context.cluster.name},
        {key: 'fdb.clusterFile', value: FDB_CLUSTER_FILE_IN_CONTAINER},
        {key: 'kv_engine.fdb.clusterFile', value: FDB_CLUSTER_FILE_IN_CONTAINER},
      ]),
      writeConfig(context, node.name, 'mgmtd', 'mgmtd_main_app.toml', [
        {key: 'node_id', value: context.nodeIds.mgmtd.get(node.name)!},
      ]),
      main,
    )
  }
  const admin = context.adminNode.name
  // init-cluster runs in a throwaway container: mgmtd must not run yet. It is recorded once applied,
  // because running it twice fails (the cluster exists) and re-initializing would need fdb wiped.
  const init = [
    context.runtime,
    'run',
    '--rm',
    '--network',
    'host',
    ...threefsContainerOptions(false),
    ...threefsVolumes(context, 'mgmtd').flatMap(([host, container]) => ['-v', `${host}:${container}`]),
    context.images.threefs,
    ...adminCliInvocation(),
    `init-cluster --mgmtd ${IMAGE_ETC_DIR}/mgmtd_main.toml 1 ${settings.chunkSize} ${settings.stripeSize}`,
  ]
    .map(shellQuote)
    .join(' ')
  // A cluster whose FoundationDB data outlived a destroy (data is kept without --purge-data) is initialized
  // already: init-cluster then answers 999(Unknown) "Config for MGMTD existed, version N" (3FS
  // src/client/cli/admin/InitCluster.cc:94-99), which is success here; mgmtd's config is pushed by set-config below.
  // On a live cluster (its chains uploaded) init-cluster ran long ago: an upgrade's new image must not run it again.
  if (!context.live)
    actions.push({
      ...barrier(
        run(
          admin,
          'mgmtd',
          'init-cluster',
          `init-cluster (chain table 1, chunk ${settings.chunkSize}, stripe ${settings.stripeSize})`,
          init,
          'admin-cli',
        ),
      ),
      adminCli: true,
      alreadyDone: '^999\\(Unknown\\) Config for MGMTD existed, version \\d+$',
    })
  for (const [index, node] of nodes.entries()) {
    const start = run(
      node.name,
      'mgmtd',
      'start',
      `start ${context.containers.mgmtd}`,
      startContainerCommand(context, {
        service: 'mgmtd',
        image: context.images.threefs,
        options: threefsContainerOptions(true),
        volumes: threefsVolumes(context, 'mgmtd'),
        args: serviceArgs('mgmtd_main'),
      }),
      'start-container',
    )
    actions.push(index === 0 ? barrier(start) : start)
  }
  actions.push(
    barrier(waitForAdminCli(context, 'mgmtd', 'primary', 'wait for a primary mgmtd', {kind: 'primary-mgmtd'}, 120_000)),
  )
  actions.push(setConfigAction(context, 'MGMTD', mainWrite!, 'mgmtd'))
  return rollStarts(context, actions)
}
