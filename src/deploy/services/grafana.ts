/**
 * Grafana as m3fs runs it (services.grafana; m3fs pkg/grafana: image open3fs/grafana:12.0.0, which is
 * grafana/grafana with the ClickHouse plugin installed, host network, provisioning directories mounted):
 * a ClickHouse data source and the dashboards under templates/grafana, both provisioned from files.
 * The data source file holds the ClickHouse password, so it is written 0600 and shown redacted.
 */
import {readdirSync} from 'node:fs'

import {nodesOf, type Cluster} from '../../config/model.js'
import {templatePath} from '../../paths.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import type {Action} from '../model.js'
import {renderPlain} from '../templates.js'
import {run, startContainerCommand, waitFor, writeFile} from './common.js'

/** The uid the dashboards name their data source by. */
export const GRAFANA_DATASOURCE_UID = '3fs_clickhouse'

/** Where Grafana answers: http://<first grafana node>:<port>, or undefined without services.grafana. */
export function grafanaUrl(cluster: Cluster): string | undefined {
  const node = nodesOf(cluster, 'grafana')[0]
  return node ? `http://${node.host}:${cluster.config.services.grafana!.port}` : undefined
}

export function dashboardFiles(): string[] {
  return readdirSync(templatePath('grafana'))
    .filter((name) => name.endsWith('.json'))
    .sort()
}

export function grafanaActions(context: DeployContext): Action[] {
  const settings = context.cluster.config.services.grafana
  const nodes = nodesOf(context.cluster, 'grafana')
  const clickhouse = context.cluster.config.services.clickhouse
  const clickhouseNode = nodesOf(context.cluster, 'clickhouse')[0]
  if (!settings || nodes.length === 0 || !clickhouse || !clickhouseNode) return []
  const dir = `${context.workDir}/grafana`
  // YAML is a superset of JSON: every value JSON-quoted, so no host or password can break the file.
  const datasource = [
    'apiVersion: 1',
    'datasources:',
    '  - name: ClickHouse',
    '    type: grafana-clickhouse-datasource',
    `    uid: ${GRAFANA_DATASOURCE_UID}`,
    '    jsonData:',
    `      host: ${JSON.stringify(clickhouseNode.host)}`,
    `      port: ${clickhouse.tcpPort}`,
    '      protocol: native',
    `      username: ${JSON.stringify(clickhouse.user)}`,
    `      defaultDatabase: ${JSON.stringify(clickhouse.db)}`,
    '    secureJsonData:',
    `      password: ${JSON.stringify(clickhouse.password)}`,
    '',
  ].join('\n')
  const provider = [
    'apiVersion: 1',
    'providers:',
    "  - name: '3fs'",
    '    type: file',
    '    disableDeletion: false',
    '    updateIntervalSeconds: 60',
    '    options:',
    '      path: /etc/grafana/provisioning/dashboards',
    '',
  ].join('\n')
  const actions: Action[] = []
  for (const node of nodes) {
    const datasourceWrite = writeFile(node.name, 'grafana', `${dir}/datasources/clickhouse.yaml`, datasource, {
      mode: '0600',
      description: 'write the ClickHouse data source (0600: it holds the password)',
    })
    actions.push(
      run(
        node.name,
        'grafana',
        'mkdir',
        `create ${dir} directories`,
        `mkdir -p ${shellQuote(`${dir}/datasources`)} ${shellQuote(`${dir}/dashboards`)}`,
        'mkdir',
      ),
      {...datasourceWrite, redact: [clickhouse.password]},
      writeFile(node.name, 'grafana', `${dir}/dashboards/3fs.yaml`, provider, {
        description: 'write the dashboard provider (files in the dashboards directory)',
      }),
      ...dashboardFiles().map((file) =>
        writeFile(
          node.name,
          'grafana',
          `${dir}/dashboards/${file}`,
          renderPlain(`grafana/${file}`, {db: clickhouse.db}),
          {description: `write the dashboard ${file}`},
        ),
      ),
      run(
        node.name,
        'grafana',
        'start',
        `start ${context.containers.grafana} on port ${settings.port}`,
        startContainerCommand(context, {
          service: 'grafana',
          image: context.images.grafana,
          // The grafana image runs as uid 472; the 0600 data source file is root's, so the container runs as root.
          options: ['--user', '0', '-e', `GF_SERVER_HTTP_PORT=${settings.port}`],
          volumes: [
            [`${dir}/datasources`, '/etc/grafana/provisioning/datasources:ro'],
            [`${dir}/dashboards`, '/etc/grafana/provisioning/dashboards:ro'],
          ],
        }),
        'start-container',
      ),
      waitFor(
        node.name,
        'grafana',
        'ready',
        `wait until Grafana answers on port ${settings.port}`,
        `curl -fsS http://127.0.0.1:${settings.port}/api/health || wget -qO- http://127.0.0.1:${settings.port}/api/health || true`,
        '"database"\\s*:\\s*"ok"',
        120_000,
      ),
    )
  }
  return actions
}
