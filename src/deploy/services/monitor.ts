/** monitor_collector: receives every service's metrics and writes them to ClickHouse. */
import {nodesOf} from '../../config/model.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {
  logLevelOverride,
  run,
  startContainerCommand,
  threefsContainerOptions,
  threefsVolumes,
  writeConfig,
} from './common.js'

export function monitorActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services
  const clickhouseNode = nodesOf(context.cluster, 'clickhouse')[0]
  const nodes = nodesOf(context.cluster, 'monitor')
  if (!settings.monitor || !settings.clickhouse || !clickhouseNode) return []
  const actions: Action[] = []
  for (const node of nodes) {
    actions.push(
      writeConfig(context, node.name, 'monitor', 'monitor_collector_main.toml', [
        {key: 'common.cluster_id', value: context.cluster.name},
        logLevelOverride(context),
        {key: 'server.base.groups[network_type=TCP].listener.listen_port', value: settings.monitor.port},
        {key: 'server.monitor_collector.reporter.clickhouse.db', value: settings.clickhouse.db},
        {key: 'server.monitor_collector.reporter.clickhouse.host', value: clickhouseNode.host},
        {key: 'server.monitor_collector.reporter.clickhouse.passwd', value: settings.clickhouse.password, secret: true},
        // A string in 3FS (the shipped file has port = '', m3fs writes it quoted).
        {key: 'server.monitor_collector.reporter.clickhouse.port', value: String(settings.clickhouse.tcpPort)},
        {key: 'server.monitor_collector.reporter.clickhouse.user', value: settings.clickhouse.user},
      ]),
      run(
        node.name,
        'monitor',
        'start',
        `start ${context.containers.monitor}`,
        startContainerCommand(context, {
          service: 'monitor',
          image: context.images.threefs,
          options: threefsContainerOptions(false),
          volumes: threefsVolumes(context, 'monitor'),
          // As 3FS's systemd unit starts it (deploy/systemd/monitor_collector_main.service).
          args: ['/opt/3fs/bin/monitor_collector_main', '--cfg', '/opt/3fs/etc/monitor_collector_main.toml'],
        }),
        'start-container',
      ),
    )
  }
  return actions
}
