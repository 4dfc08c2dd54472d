/**
 * Every query of every dashboard under templates/grafana reads only tables and columns that exist in the
 * monitor schema 3FS's monitor_collector writes into: templates/clickhouse/3fs-monitor.sql, the columns of
 * 3FS ee9a5ce deploy/sql/3fs-monitor.sql (counters :3-22, distributions :24-51), filled by
 * src/common/monitor/ClickHouseClient.cc (counters inserted at :74-100 with TIMESTAMP, metricName, val and
 * the tag columns; distributions at :106-150 with count, mean, min, max, p50, p90, p95, p99 as well).
 */
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {dashboardFiles, GRAFANA_DATASOURCE_UID} from '../../src/deploy/services/grafana.js'
import {templatePath} from '../../src/paths.js'

/** table -> columns, from CREATE TABLE statements. */
function schemaOf(sql: string): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>()
  for (const match of sql.matchAll(/CREATE TABLE IF NOT EXISTS \{\{db\}\}\.(\w+) \(([\s\S]*?)\n\)/g)) {
    const columns = [...match[2]!.matchAll(/^\s*`(\w+)`/gm)].map((column) => column[1]!)
    tables.set(match[1]!, new Set(columns))
  }
  return tables
}

const KEYWORDS = new Set(
  'select as from where and or not in group by order asc desc limit having between like is null distinct'.split(' '),
)

/**
 * The table a query reads (${db}.<table>) and the identifiers it uses as columns: words that are not SQL
 * keywords, functions (followed by "("), Grafana macros ($__...), string literals or aliases it defines.
 */
function queryRefs(sql: string): {tables: string[]; columns: string[]} {
  const tables = [...sql.matchAll(/\$\{db\}\.(\w+)/g)].map((match) => match[1]!)
  const aliases = new Set([...sql.matchAll(/\bAS\s+(\w+)/gi)].map((match) => match[1]!))
  const body = sql
    .replace(/'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\$\{db\}\.\w+/g, ' ')
    .replace(/\$__\w+/g, ' ')
  const columns = [...body.matchAll(/\b([A-Za-z_]\w*)\b(\s*\()?/g)]
    .filter((match) => !match[2])
    .map((match) => match[1]!)
    .filter((word) => !KEYWORDS.has(word.toLowerCase()) && !aliases.has(word))
  return {tables, columns: [...new Set(columns)]}
}

function problemsOf(sql: string, schema: Map<string, Set<string>>): string[] {
  const {tables, columns} = queryRefs(sql)
  if (tables.length !== 1) return [`reads ${tables.length} tables (${tables.join(', ')}); expected one \${db}.<table>`]
  const known = schema.get(tables[0]!)
  if (!known) return [`table ${tables[0]} is not in the monitor schema`]
  return columns.filter((column) => !known.has(column)).map((column) => `${tables[0]} has no column ${column}`)
}

const schema = schemaOf(readFileSync(templatePath('clickhouse/3fs-monitor.sql'), 'utf8'))

interface Target {
  refId: string
  rawSql?: string
  datasource?: {uid?: string}
}

function targetsOf(file: string): Array<{panel: string; target: Target}> {
  const dashboard = JSON.parse(readFileSync(templatePath(`grafana/${file}`), 'utf8')) as {
    panels: Array<{title: string; targets?: Target[]}>
  }
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({panel: panel.title, target})))
}

describe('Grafana dashboards against the 3FS monitor schema', () => {
  it('reads the two tables of 3FS deploy/sql/3fs-monitor.sql with their columns', () => {
    expect([...schema.keys()]).toEqual(['counters', 'distributions'])
    expect([...schema.get('counters')!]).toEqual([
      'TIMESTAMP',
      'metricName',
      'host',
      'tag',
      'val',
      'mount_name',
      'instance',
      'io',
      'uid',
      'pod',
      'thread',
      'statusCode',
    ])
    expect(schema.get('distributions')).toContain('p99')
    expect(schema.get('distributions')).not.toContain('val')
  })

  it('every query of every dashboard names an existing table and only its columns, through the provisioned data source', () => {
    const files = dashboardFiles()
    expect(files.length).toBeGreaterThan(0)
    let queries = 0
    for (const file of files) {
      for (const {panel, target} of targetsOf(file)) {
        expect(target.rawSql, `${file}: ${panel}`).toBeTruthy()
        expect(problemsOf(target.rawSql!, schema), `${file}: ${panel}: ${target.rawSql}`).toEqual([])
        expect(target.datasource?.uid, `${file}: ${panel}`).toBe(GRAFANA_DATASOURCE_UID)
        queries++
      }
    }
    expect(queries).toBeGreaterThanOrEqual(8)
  })

  it('the check finds a wrong table, a column of the other table and a misspelt column', () => {
    const base = 'SELECT $__timeInterval(TIMESTAMP) AS time, host, sum(val) AS value FROM ${db}.counters'
    expect(problemsOf(`${base} WHERE metricName = 'x' GROUP BY time, host`, schema)).toEqual([])
    expect(problemsOf(base.replace('counters', 'gauges'), schema)).toEqual([
      'table gauges is not in the monitor schema',
    ])
    expect(problemsOf(base.replace('sum(val)', 'max(p99)'), schema)).toEqual(['counters has no column p99'])
    expect(problemsOf(`${base} WHERE metric_name = 'x'`, schema)).toEqual(['counters has no column metric_name'])
  })
})
