// Benchmark: `3fs-cli status` on 8 SSH test hosts, the whole CLI run (Node start, connect, probe every
// node, admin_cli on node1, judge, print). Goal: under 2 s. Peer measured in the same run: OpenSSH's
// ssh client running the same probe script on the 8 nodes in parallel (connect + run, no judging).
// The container engine on the nodes is the TEST DOUBLE test/hosts/doubles/docker-engine-double.sh (no
// Docker engine runs here), so container and admin_cli answers come from files. Needs root.
import {spawn} from 'node:child_process'
import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadClusterFile} from '../../dist/config/loader.js'
import {statusLayout} from '../../dist/status/layout.js'
import {nodeProbeScript} from '../../dist/status/probe-scripts.js'
import {TestHostsForBench} from './hosts-for-bench.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const NODES = 8
const RUNS = 7
const DOUBLE = '/opt/3fs/double/docker'
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function table(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)))
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}

const hosts = TestHostsForBench.start(NODES)
try {
  const config = hosts.writeCluster()
  for (const [index, [name]] of hosts.nodes.entries()) {
    const base = join(hosts.dir, 'nodes', name, 'opt3fs')
    mkdirSync(join(base, 'double', 'state', 'containers'), {recursive: true})
    mkdirSync(join(base, 'double', 'state', 'admin_cli'), {recursive: true})
    mkdirSync(join(base, 'storage', '3fsdata', 'data0'), {recursive: true})
    copyFileSync(join(root, 'test', 'hosts', 'doubles', 'docker-engine-double.sh'), join(base, 'double', 'docker'))
    const services =
      index === 0 ? ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'client'] : ['storage', 'client']
    for (const service of services)
      writeFileSync(join(base, 'double', 'state', 'containers', `3fs-${service}`), 'running|0|2026-11-28T01:00:00Z|0\n')
    if (index === 0) {
      const admin = join(base, 'double', 'state', 'admin_cli')
      writeFileSync(
        join(admin, 'list-nodes.txt'),
        table([
          ['Id', 'Type', 'Status', 'Hostname', 'Pid', 'Tags', 'LastHeartbeatTime', 'ConfigVersion', 'ReleaseVersion'],
          ['1', 'MGMTD', 'PRIMARY_MGMTD', 'node1', '1', '[]', 'N/A', '1(UPTODATE)', 'r'],
          ['100', 'META', 'HEARTBEAT_CONNECTED', 'node1', '2', '[]', '2026-11-28 01:00:00', '1(UPTODATE)', 'r'],
          ...hosts.nodes.map(([node], i) => [
            String(10001 + i),
            'STORAGE',
            'HEARTBEAT_CONNECTED',
            node,
            '3',
            '[]',
            '2026-11-28 01:00:00',
            '1(UPTODATE)',
            'r',
          ]),
        ]),
      )
      writeFileSync(
        join(admin, 'list-chains.txt'),
        table([
          ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target'],
          ['900100001', '1', '1', 'SERVING', '[]', '100000100101(SERVING-UPTODATE)'],
        ]),
      )
      writeFileSync(
        join(admin, 'list-targets.txt'),
        table([
          ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize'],
          ['100000100101', '900100001', 'HEAD', 'SERVING', 'UPTODATE', '10001', '0', '0'],
        ]),
      )
      writeFileSync(
        join(admin, 'list-chain-tables.txt'),
        table([
          ['ChainTableId', 'ChainTableVersion', 'ChainCount', 'ReplicaCount', 'Desc'],
          ['1', '1', '1', '1', 'bench'],
        ]),
      )
      writeFileSync(
        join(admin, 'list-clients.txt'),
        table([
          [
            'ClientId',
            'ClientStart',
            'SessionStart',
            'LastExtend',
            'ConfigVersion',
            'Hostname',
            'Description',
            'Tags',
            'ReleaseVersion',
          ],
        ]),
      )
      writeFileSync(
        join(base, 'double', 'state', 'fdb-status.json'),
        JSON.stringify({client: {database_status: {available: true, healthy: true}}}),
      )
    }
  }

  const timeCommand = (command, args, input) =>
    new Promise((resolve, reject) => {
      const started = performance.now()
      const child = spawn(command, args, {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
        env: {...process.env, NO_COLOR: '1'},
      })
      if (input !== undefined) child.stdin.end(input)
      let out = ''
      child.stdout.on('data', (chunk) => (out += chunk))
      child.on('exit', (code) =>
        code === null ? reject(new Error(`${command} killed`)) : resolve({ms: performance.now() - started, code, out}),
      )
    })

  const cli = []
  let last
  for (let run = 0; run < RUNS; run++) {
    last = await timeCommand('node', [
      join(root, 'bin', 'run.js'),
      'status',
      '-c',
      config,
      '--json',
      '--runtime',
      DOUBLE,
    ])
    cli.push(last.ms)
  }
  const report = JSON.parse(last.out)

  const cluster = await loadClusterFile(config)
  const layout = statusLayout(cluster, DOUBLE)
  const openssh = []
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    await Promise.all(
      cluster.nodes.map((node) =>
        timeCommand(
          'ssh',
          [
            '-o',
            'BatchMode=yes',
            '-o',
            `UserKnownHostsFile=${join(hosts.dir, 'known_hosts')}`,
            '-i',
            join(hosts.dir, 'user_key'),
            '-p',
            String(node.port),
            `${node.username}@${node.host}`,
            'sudo -n sh -s',
          ],
          nodeProbeScript(
            layout.nodes.find((entry) => entry.name === node.name),
            DOUBLE,
          ),
        ).then((result) => {
          if (result.code !== 0) throw new Error(`ssh probe on ${node.name} exited ${result.code}`)
        }),
      ),
    )
    openssh.push(performance.now() - started)
  }

  const cliMs = median(cli)
  const sshMs = median(openssh)
  console.log(
    `status on ${NODES} test hosts: verdict ${report.verdict}, ${report.summary.reachable}/${report.summary.nodes} nodes, ${report.problems.length} problem(s) (the /3fs of a test host is not a 3FS mount)`,
  )
  console.log(
    `whole CLI run (median of ${RUNS}): ${cliMs.toFixed(0)} ms (goal < 2000 ms: ${cliMs < 2000 ? 'ok' : 'MISSED'})`,
  )
  console.log(
    `OpenSSH, the same probe on ${NODES} nodes in parallel (median of ${RUNS}): ${sshMs.toFixed(0)} ms; ratio ${(cliMs / sshMs).toFixed(2)}x`,
  )
} finally {
  hosts.down()
}
