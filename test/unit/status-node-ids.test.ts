/**
 * status and the deploy record: ids come from the record; a damaged record gives no ids and says so in the
 * report's `missing` list, while the rest of the status (the cluster's health) is still reported.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import type {StatusReport} from '../../src/status/judge.js'
import {recordedLayout, withNodeIds} from '../../src/status/node-ids.js'

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-node-ids-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const YAML = `name: t
nodes:
  - {name: a, host: 10.0.0.1, username: root}
  - {name: b, host: 10.0.0.2, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a], db: "3fs", user: default}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a, b], diskType: dir, replicationFactor: 1}
  client: {nodes: [b], hostMountpoint: /3fs}
`

function report(): StatusReport {
  return {nodes: [{name: 'a'}, {name: 'b'}], missing: []} as unknown as StatusReport
}

describe('status: node ids from the deploy record', () => {
  it('without a record, ids follow cluster.yml; with a damaged one, no ids and the reason in missing', async () => {
    const file = join(dir, 'cluster.yml')
    writeFileSync(file, YAML)
    const cluster = parseCluster(YAML, file)
    const fresh = withNodeIds(report(), await recordedLayout(cluster))
    expect(fresh.missing).toEqual([])
    expect((fresh.nodes[1] as unknown as {ids: unknown}).ids).toBeDefined()

    mkdirSync(join(dir, '.3fs-cli'))
    writeFileSync(join(dir, '.3fs-cli', 't.state.json'), '[]')
    const damaged = withNodeIds(report(), await recordedLayout(cluster))
    expect(damaged.missing).toHaveLength(1)
    expect(damaged.missing[0]).toMatch(/^node ids: the deploy record .*t\.state\.json is damaged/)
    expect(damaged.nodes.every((node) => !('ids' in node))).toBe(true)
  })
})
