/**
 * 3FS config files rendered whole from the shipped data: every key and value of 3FS's own file stays,
 * only the deployment's keys change, in the TOML type 3FS expects.
 */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {formatLiteral, literalType, parseLiteral} from '../../src/cluster/threefs-config/literal.js'
import {renderShipped, shippedValue} from '../../src/cluster/threefs-config/render.js'
import {commitForImageTag, shippedConfigs} from '../../src/cluster/threefs-config/shipped.js'
import {extractSections} from '../fixtures/3fs-shipped/extract.mjs'

const COMMIT = commitForImageTag('20250410').commit
const MIRROR = '/work/.mirror/deepseek-ai+3FS/repo'

describe('3FS shipped config data', () => {
  it('maps the image tag 20250410 (and its -avx2 build) to 3FS ee9a5ce, and an unknown tag to the fallback, marked unknown', () => {
    expect(commitForImageTag('20250410')).toEqual({commit: 'ee9a5cee0a85c64f4797bf380257350ca1becd36', known: true})
    expect(commitForImageTag('20250410-avx2').known).toBe(true)
    expect(commitForImageTag('20991231')).toEqual({commit: COMMIT, known: false})
  })

  it('holds the values that differ from 3FS code defaults and matter for a running cluster', () => {
    // mgmtd code default false (src/mgmtd/service/MgmtdConfig.h:14); the shipped file says true.
    expect(shippedValue(COMMIT, 'mgmtd_main.toml', 'server.service.allow_heartbeat_from_unregistered')).toBe(true)
    // meta code default listeners 8000/9000 (src/meta/service/MetaServer.h:48-57); the shipped file 8001/9001.
    expect(shippedValue(COMMIT, 'meta_main.toml', 'server.base.groups[network_type=RDMA].listener.listen_port')).toBe(
      8001,
    )
    expect(shippedValue(COMMIT, 'meta_main.toml', 'server.base.groups[network_type=TCP].listener.listen_port')).toBe(
      9001,
    )
    expect(shippedValue(COMMIT, 'mgmtd_main.toml', 'common.log.handlers[name=normal].file_path')).toBe(
      '/var/log/3fs/mgmtd_main.log',
    )
  })

  it.skipIf(!existsSync(MIRROR))(
    'is what 3FS ships at that commit (re-extracted from the 3FS source when a copy is on this machine)',
    () => {
      const git = (...args: string[]) => execFileSync('git', ['-C', MIRROR, ...args], {encoding: 'utf8'})
      for (const file of [
        'mgmtd_main.toml',
        'meta_main.toml',
        'storage_main.toml',
        'hf3fs_fuse_main_launcher.toml',
        'monitor_collector_main.toml',
      ]) {
        expect(extractSections(git('show', `${COMMIT}:configs/${file}`), file)).toEqual(
          shippedConfigs(COMMIT).files[file],
        )
      }
    },
  )
})

describe('rendering a 3FS config file whole', () => {
  it('keeps every shipped key and value, in order, and changes only the keys asked for', () => {
    const rendered = renderShipped(COMMIT, 'meta_main.toml', [
      {key: 'server.base.groups[network_type=RDMA].listener.listen_port', value: 8101},
      {key: 'common.log.categories[0].level', value: 'DEBUG'},
      {key: 'common.monitor.reporters[0].monitor_collector.remote_ip', value: '10.0.0.1:10000'},
    ])
    const shipped = shippedConfigs(COMMIT).files['meta_main.toml']!
    const back = extractSections(rendered.text, 'meta_main.toml')
    expect(back.map((section) => [section.table, section.array, section.entries.map(([key]) => key)])).toEqual(
      shipped.map((section) => [section.table, section.array, section.entries.map(([key]) => key)]),
    )
    const differing = back.flatMap((section, index) =>
      section.entries
        .filter(([, literal], at) => shipped[index]!.entries[at]![1] !== literal)
        .map(([key, literal]) => `${section.table}.${key} = ${literal}`),
    )
    expect(differing).toEqual([
      "common.log.categories.level = 'DEBUG'",
      "common.monitor.reporters.monitor_collector.remote_ip = '10.0.0.1:10000'",
      'server.base.groups.listener.listen_port = 8101',
    ])
    expect(rendered.changes.map((change) => `${change.key}: ${change.shipped} -> ${change.value}`)).toEqual([
      'server.base.groups[network_type=RDMA].listener.listen_port: 8001 -> 8101',
      "common.log.categories[0].level: 'INFO' -> 'DEBUG'",
      "common.monitor.reporters[0].monitor_collector.remote_ip: '' -> '10.0.0.1:10000'",
    ])
  })

  it('writes a value in the TOML type of the shipped value and refuses another type (ClickHouse port is a string in 3FS)', () => {
    const rendered = renderShipped(COMMIT, 'monitor_collector_main.toml', [
      {key: 'server.monitor_collector.reporter.clickhouse.port', value: '8999'},
    ])
    expect(rendered.text).toContain("port = '8999'")
    expect(() =>
      renderShipped(COMMIT, 'monitor_collector_main.toml', [
        {key: 'server.monitor_collector.reporter.clickhouse.port', value: 8999},
      ]),
    ).toThrow(/expects a string here/)
    expect(formatLiteral(30, 'float', 'x')).toBe('30.0')
  })

  it('refuses a key 3FS does not have (it would refuse the file) and an ambiguous or missing element', () => {
    expect(() =>
      renderShipped(COMMIT, 'mgmtd_main.toml', [{key: 'server.service.allow_heartbeat_from_unregistred', value: true}]),
    ).toThrow(/3FS has no key server.service.allow_heartbeat_from_unregistred/)
    expect(() =>
      renderShipped(COMMIT, 'mgmtd_main.toml', [
        {key: 'server.base.groups[network_type=IPoIB].listener.listen_port', value: 1},
      ]),
    ).toThrow(/0 elements of \[\[server.base.groups\]\] have network_type = IPoIB/)
  })

  it('records a secret without its value and lists its literal for redaction', () => {
    const rendered = renderShipped(COMMIT, 'monitor_collector_main.toml', [
      {key: 'server.monitor_collector.reporter.clickhouse.passwd', value: "pa'ss", secret: true},
    ])
    expect(rendered.changes).toEqual([
      {key: 'server.monitor_collector.reporter.clickhouse.passwd', shipped: "''", value: '<secret>', secret: true},
    ])
    expect(rendered.secrets).toEqual(['"pa\'ss"'])
    expect(rendered.text).toContain('passwd = "pa\'ss"')
  })

  it('parses and writes back every literal of every shipped file unchanged', () => {
    for (const sections of Object.values(shippedConfigs(COMMIT).files)) {
      for (const [, literal] of sections.flatMap((section) => section.entries)) {
        const value = parseLiteral(literal)
        expect(parseLiteral(formatLiteral(value, literalType(literal), literal))).toEqual(value)
      }
    }
  })
})
