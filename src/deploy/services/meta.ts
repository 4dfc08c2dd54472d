/** meta: configs, its main config uploaded to mgmtd (set-config --type META), containers, heartbeats. */
import {nodesOf} from '../../config/model.js'
import type {DeployContext} from '../context.js'
import {action, barrier, type Action} from '../model.js'
import {adminCliCommand, run, serviceArgs, startContainerCommand, threefsVolumes, waitFor, writeConfig} from './common.js'
import {listenerValues} from './mgmtd.js'

export function metaActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.meta!
  const nodes = nodesOf(context.cluster, 'meta')
  const main = {monitor_address: context.monitorAddress, mgmtd_addresses: context.mgmtdAddresses, ...listenerValues('meta', settings.rdmaListenPort, settings.tcpListenPort, 'MetaSerde')}
  const admin = context.adminNode.name
  const actions: Action[] = [writeConfig(admin, 'meta', context.paths.etc('mgmtd'), 'meta_main.toml', main)]
  actions.push(setConfig(context, 'META', 'meta_main.toml', 'meta'))
  for (const [index, node] of nodes.entries()) {
    const etc = context.paths.etc('meta')
    const first = writeConfig(node.name, 'meta', etc, 'meta_main_launcher.toml', {cluster_id: context.cluster.name, mgmtd_addresses: context.mgmtdAddresses})
    actions.push(
      index === 0 ? barrier(first) : first,
      writeConfig(node.name, 'meta', etc, 'meta_main_app.toml', {node_id: context.nodeIds.meta.get(node.name)!}),
      writeConfig(node.name, 'meta', etc, 'meta_main.toml', main),
      run(node.name, 'meta', 'start', `start ${context.containers.meta}`, startContainerCommand(context, {service: 'meta', image: context.images.threefs, options: ['--privileged', '--ulimit', 'memlock=-1'], volumes: threefsVolumes(context, 'meta'), args: serviceArgs('meta_main')}), 'start-container'),
    )
  }
  actions.push(barrier(waitForHeartbeats(context, 'META', [...context.nodeIds.meta.values()], 'meta')))
  return actions
}

export function setConfig(context: DeployContext, type: 'META' | 'STORAGE' | 'FUSE', file: string, service: 'meta' | 'storage' | 'client'): Action {
  const admin = context.adminNode.name
  return action({
    id: `${admin}:${service}:set-config:${type}`,
    node: admin,
    service,
    kind: 'admin-cli',
    description: `set-config --type ${type} (upload ${file} to mgmtd)`,
    command: adminCliCommand(context, `set-config --type ${type} --file /opt/3fs/etc/${file}`),
    adminCli: true,
  })
}

/** Waits until list-nodes shows every id of that type HEARTBEAT_CONNECTED. */
export function waitForHeartbeats(context: DeployContext, type: string, ids: number[], service: 'meta' | 'storage'): Action {
  const until = ids.map((id) => `(?=[\\s\\S]*^\\s*${id}\\s+${type}\\s+HEARTBEAT_CONNECTED)`).join('')
  return waitFor(context.adminNode.name, service, 'heartbeats', `wait until ${ids.length} ${type} service(s) send heartbeats`, adminCliCommand(context, 'list-nodes'), `^${until}`, 300_000)
}
