/** ClickHouse for 3FS's metrics: the server on the cluster's tcpPort, then the monitor tables. */
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {renderPlain} from '../templates.js'
import {run, startContainerCommand, waitFor, writeFile} from './common.js'

export function clickhouseActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.clickhouse
  const nodes = nodesOf(context.cluster, 'clickhouse')
  if (!settings || nodes.length === 0) return []
  const dir = `${context.workDir}/clickhouse`
  const envFile = `${dir}/etc/clickhouse.env`
  const client = `${shellQuote(context.runtime)} exec -i ${shellQuote(context.containers.clickhouse)} clickhouse-client --port ${settings.tcpPort}`
  const actions: Action[] = []
  for (const node of nodes) {
    actions.push(
      run(
        node.name,
        'clickhouse',
        'mkdir',
        `create ${dir} directories`,
        `mkdir -p ${['data', 'log', 'config.d', 'etc', 'sql'].map((sub) => shellQuote(`${dir}/${sub}`)).join(' ')}`,
        'mkdir',
      ),
      writeFile(
        node.name,
        'clickhouse',
        `${dir}/config.d/3fs-ports.xml`,
        renderPlain('clickhouse/3fs-ports.xml', {tcp_port: settings.tcpPort}),
      ),
      // The password goes into a 0600 env file, never onto a docker command line (process lists show those).
      writeFile(
        node.name,
        'clickhouse',
        envFile,
        `CLICKHOUSE_USER=${settings.user}\nCLICKHOUSE_PASSWORD=${settings.password}\nCLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT=1\n`,
        {mode: '0600', redact: [settings.password]},
      ),
      writeFile(
        node.name,
        'clickhouse',
        `${dir}/sql/3fs-monitor.sql`,
        renderPlain('clickhouse/3fs-monitor.sql', {db: settings.db}),
      ),
      run(
        node.name,
        'clickhouse',
        'start',
        `start ${context.containers.clickhouse}`,
        startContainerCommand(context, {
          service: 'clickhouse',
          image: context.images.clickhouse,
          envFile,
          options: ['--ulimit', 'nofile=262144:262144'],
          volumes: [
            [`${dir}/data`, '/var/lib/clickhouse'],
            [`${dir}/log`, '/var/log/clickhouse-server'],
            [`${dir}/config.d/3fs-ports.xml`, '/etc/clickhouse-server/config.d/3fs-ports.xml:ro'],
          ],
        }),
        'start-container',
      ),
      waitFor(
        node.name,
        'clickhouse',
        'ready',
        'wait until ClickHouse answers',
        `${client} --query 'SELECT 1'`,
        '^1$',
        120_000,
      ),
      run(
        node.name,
        'clickhouse',
        'tables',
        `create the ${settings.db} monitor tables`,
        `${client} --multiquery < ${shellQuote(`${dir}/sql/3fs-monitor.sql`)}`,
      ),
    )
  }
  return actions
}
