/** monitor_collector: receives every service's metrics and writes them to ClickHouse. */
import {nodesOf} from '../../config/model.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {run, startContainerCommand, threefsVolumes, writeConfig} from './common.js'

/** 3FS's own monitor_collector_main.toml listens on this port. */
const DEFAULT_MONITOR_PORT = 10_000

export function monitorActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services
  const clickhouseNode = nodesOf(context.cluster, 'clickhouse')[0]
  const nodes = nodesOf(context.cluster, 'monitor')
  if (!settings.monitor || !settings.clickhouse || !clickhouseNode) return []
  const actions: Action[] = []
  for (const node of nodes) {
    actions.push(
      writeConfig(
        node.name,
        'monitor',
        context.paths.etc('monitor'),
        'monitor_collector_main.toml',
        {
          listeners: settings.monitor.port !== DEFAULT_MONITOR_PORT,
          monitor_port: settings.monitor.port,
          clickhouse_db: settings.clickhouse.db,
          clickhouse_host: clickhouseNode.host,
          clickhouse_password: settings.clickhouse.password,
          clickhouse_port: String(settings.clickhouse.tcpPort),
          clickhouse_user: settings.clickhouse.user,
        },
        {mode: '0600', secret: true},
      ),
      run(
        node.name,
        'monitor',
        'start',
        `start ${context.containers.monitor}`,
        startContainerCommand(context, {
          service: 'monitor',
          image: context.images.threefs,
          options: ['--privileged'],
          volumes: threefsVolumes(context, 'monitor'),
          args: ['/opt/3fs/bin/monitor_collector_main', '--cfg', '/opt/3fs/etc/monitor_collector_main.toml'],
        }),
        'start-container',
      ),
    )
  }
  return actions
}
