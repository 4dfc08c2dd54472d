/**
 * TEST DOUBLES: the stand-in 3FS / FoundationDB / ClickHouse programs (test/hosts/standin) that the Docker
 * harness puts into its images. Run here as local processes on random loopback addresses with the config
 * files our own deploy code renders, each test pins a place where the real service fails (as 3FS's source
 * at ee9a5ce shows), so a deploy that gets it wrong fails against the stand-ins too.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  deployFiles,
  eventually,
  planAction,
  randomLoopback,
  StandinLab,
  STANDIN_SRC,
  withoutTables,
} from '../hosts/standin/harness.js'

let lab: StandinLab
const ip = randomLoopback()

const cluster = (extra = '') => `name: standin
nodes:
  - {name: n1, host: ${ip}, username: root}
services:
  fdb: {nodes: [n1]}
  clickhouse: {nodes: [n1], password: ch-secret-4711, tcpPort: 19000}
  monitor: {nodes: [n1]}
  mgmtd: {nodes: [n1], stripeSize: 2}
  meta: {nodes: [n1]${extra}}
  storage: {nodes: [n1], diskType: dir, replicationFactor: 1, targetNumPerDisk: 2}
  client: {nodes: [n1]}
`

/** Writes the deploy's files of `service` into <lab>/<service>/etc and returns that dir. */
function writeDeployFiles(service: string, yaml = cluster()): string {
  const files = deployFiles(lab, yaml, 'n1', service)
  for (const [name, content] of Object.entries(files)) lab.write(lab.path(service, 'etc', name), content)
  return lab.path(service, 'etc')
}

const admin = (command: string, input?: string, env?: Record<string, string>) =>
  lab.run('admin_cli', ['-cfg', lab.path('mgmtd', 'etc', 'admin_cli.toml'), ...(command ? [command] : [])], {
    ip,
    input,
    env,
  })

const fdbcli = (exec: string, clusterFile: string, nodeIp = ip, timeout = 3) =>
  lab.run('fdbcli', ['-C', clusterFile, '--timeout', String(timeout), '--exec', exec], {ip: nodeIp})

function startService(
  program: 'mgmtd_main' | 'meta_main' | 'storage_main',
  service: string,
  env: Record<string, string> = {},
) {
  const etc = lab.path(service, 'etc')
  return lab.start(
    program,
    ['--launcher_cfg', `${etc}/${program}_launcher.toml`, '--app-cfg', `${etc}/${program}_app.toml`],
    {ip, cwd: lab.path(service, 'run'), env: {STANDIN_HEARTBEAT_INTERVAL_MS: '300', ...env}},
  )
}

beforeAll(async () => {
  lab = await StandinLab.build()
}, 400_000)

afterAll(async () => {
  await lab?.cleanup()
})

describe('stand-in FoundationDB (TEST DOUBLE)', () => {
  it('configures a single-node database once: "Database created", then "already exists" with exit 1', async () => {
    const clusterFile = lab.write(
      lab.path('fdb.cluster'),
      deployFiles(lab, cluster(), 'n1', 'mgmtd')['fdb.cluster'] ?? `standin:abc@${ip}:4500\n`,
    )
    lab.start(
      'fdbserver',
      [
        '--listen-address',
        `${ip}:4500`,
        '--public-address',
        `${ip}:4500`,
        '--datadir',
        lab.path('fdb', 'data'),
        '--logdir',
        lab.path('fdb', 'logs'),
        '-C',
        clusterFile,
      ],
      {ip},
    )
    expect(
      await eventually(async () =>
        (await fdbcli('status minimal', clusterFile)).stdout.includes('The database is unavailable'),
      ),
    ).toBe(true)
    const first = await fdbcli('configure new single ssd', clusterFile)
    expect(first).toMatchObject({code: 0, stdout: 'Database created\n'})
    const again = await fdbcli('configure new single ssd', clusterFile)
    expect(again.code).toBe(1)
    expect(again.stdout).toContain('Database already exists')
    expect((await fdbcli('status minimal', clusterFile)).stdout).toBe('The database is available.\n')
    const json = JSON.parse((await fdbcli('status json', clusterFile)).stdout)
    expect(json.client.database_status).toEqual({available: true, healthy: true})
  })

  it('cannot form a 2-node cluster under FDB_NETWORKING_MODE=host (public address 127.0.0.1): configure new double times out', async () => {
    const [a, b] = [randomLoopback(), randomLoopback()]
    const contents = `two:node@${a}:4500,${b}:4500`
    const entry = (node: string, mode: string) =>
      lab.start('sh', [`${STANDIN_SRC}/fdb-entrypoint.sh`], {
        ip: node,
        command: 'sh',
        env: {
          PATH: `${lab.path('bin')}:${process.env.PATH}`,
          FDB_CLUSTER_FILE: lab.path(`fdb-${node}`, 'fdb.cluster'),
          FDB_CLUSTER_FILE_CONTENTS: contents,
          FDB_NETWORKING_MODE: mode,
          FDB_PORT: '4500',
          STANDIN_FDB_DIR: lab.path(`fdb-${node}`),
        },
      })
    lab.write(lab.path('bin', '.keep'), '')
    const {symlinkSync} = await import('node:fs')
    symlinkSync(lab.bin, lab.path('bin', 'fdbserver'))
    const servers = [entry(a, 'host'), entry(b, 'host')]
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const configure = await fdbcli('configure new double ssd', lab.path(`fdb-${a}`, 'fdb.cluster'), a, 4)
    expect(configure.code).toBe(1)
    expect(configure.stdout).toContain('timed out')
    for (const server of servers) await lab.stop(server)
    // The same two nodes advertising their own addresses (container mode) form the cluster.
    const fixed = [entry(a, 'container'), entry(b, 'container')]
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await fdbcli('configure new double ssd', lab.path(`fdb-${a}`, 'fdb.cluster'), a, 6)).stdout).toBe(
      'Database created\n',
    )
    for (const server of fixed) await lab.stop(server)
  }, 60_000)
})

describe('stand-in mgmtd, meta, storage and admin_cli (TEST DOUBLE) with the configs our deploy renders', () => {
  it('admin_cli before mgmtd runs: RoutingInfoNotReady on stdout, exit 1; init-cluster stores the mgmtd config in fdb once', async () => {
    writeDeployFiles('mgmtd')
    const listed = await admin('list-nodes')
    expect(listed).toMatchObject({code: 1, stdout: 'Encounter error: 6004(MgmtdClient::RoutingInfoNotReady)\n'})
    const init = await admin(`init-cluster --mgmtd ${lab.path('mgmtd', 'etc', 'mgmtd_main.toml')} 1 1048576 16`)
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('Init config for MGMTD version 1')
    const twice = await admin(`init-cluster --mgmtd ${lab.path('mgmtd', 'etc', 'mgmtd_main.toml')} 1 1048576 16`)
    expect(twice).toMatchObject({
      code: 1,
      stdout: 'Encounter error: 999(Unknown)\nConfig for MGMTD existed, version 1\n',
    })
  })

  it('mgmtd refuses a launcher config with a key 3FS does not know (ConfigRedundantKey)', async () => {
    const etc = lab.path('badmgmtd', 'etc')
    lab.write(
      `${etc}/mgmtd_main_launcher.toml`,
      `allow_heartbeat_from_unregistered = true\n${lab.read(lab.path('mgmtd', 'etc', 'mgmtd_main_launcher.toml'))}`,
    )
    lab.write(`${etc}/mgmtd_main_app.toml`, 'node_id = 9\n')
    const child = startService('mgmtd_main', 'badmgmtd')
    expect(await lab.exited(child)).not.toBe(0)
    expect(
      lab.read(lab.path('badmgmtd', 'run', 'mgmtd_main.log')) + (child as unknown as {output: () => string}).output(),
    ).toContain('Invalid key: allow_heartbeat_from_unregistered')
  })

  it("mgmtd serves as primary and logs where the rendered [[common.log.handlers]] say (3FS's shipped /var/log/3fs, the container's log dir)", async () => {
    // A shorter heartbeat_fail_interval than 3FS's 60 s (MgmtdConfig.h:16) so the LASTSRV test below is quick.
    startService('mgmtd_main', 'mgmtd', {STANDIN_HEARTBEAT_FAIL_MS: '2000'})
    expect(await eventually(async () => (await admin('list-nodes')).stdout.includes('PRIMARY_MGMTD'))).toBe(true)
    const table = (await admin('list-nodes')).stdout.split('\n')
    expect(table[0]).toMatch(
      /^Id {2,}Type {2,}Status {2,}Hostname {2,}Pid {2,}Tags {2,}LastHeartbeatTime {2,}ConfigVersion {2,}ReleaseVersion$/,
    )
    expect(lab.read(lab.path('mgmtd', 'log', 'mgmtd_main.log'))).toContain('listening on RDMA://')
    expect(lab.read(lab.path('mgmtd', 'run', 'mgmtd_main.log'))).toBe('')
  })

  it('meta takes its code-default listeners 8000/9000 when its config has no listener groups, and exits with "Address already in use" beside mgmtd; deploy renders 3FS\'s 8001/9001', async () => {
    writeDeployFiles('meta')
    // meta reads its main config from mgmtd (set-config); the copy rendered for meta's own dir logs into meta's log dir here.
    const rendered = deployFiles(lab, cluster(), 'n1', 'meta')['meta_main.toml']!
    expect(rendered).toMatch(/listen_port = 8001/)
    lab.write(lab.path('mgmtd', 'etc', 'meta_no_listeners.toml'), withoutTables(rendered, 'server.base.groups'))
    expect(
      (await admin(`set-config --type META --file ${lab.path('mgmtd', 'etc', 'meta_no_listeners.toml')}`)).stdout,
    ).toContain('Succeed')
    const meta = startService('meta_main', 'meta')
    expect(await lab.exited(meta)).not.toBe(0)
    expect(
      lab.read(lab.path('meta', 'log', 'hf3fs_meta_main.log')) + lab.read(lab.path('meta', 'run', 'meta_main.log')),
    ).toMatch(/Address already in use/)
  })

  it('mgmtd at its code default allow_heartbeat_from_unregistered = false refuses meta ("not registered"); the rendered mgmtd_main.toml (3FS\'s true) lets it register', async () => {
    const mgmtdMain = deployFiles(lab, cluster(), 'n1', 'mgmtd')['mgmtd_main.toml']!
    expect(mgmtdMain).toMatch(/^allow_heartbeat_from_unregistered = true$/m)
    lab.write(
      lab.path('mgmtd', 'etc', 'mgmtd_code_default.toml'),
      mgmtdMain.replace(/^allow_heartbeat_from_unregistered = true\n/m, ''),
    )
    expect(
      (await admin(`set-config --type MGMTD --file ${lab.path('mgmtd', 'etc', 'mgmtd_code_default.toml')}`)).code,
    ).toBe(0)
    lab.write(lab.path('mgmtd', 'etc', 'meta_main.toml'), deployFiles(lab, cluster(), 'n1', 'meta')['meta_main.toml']!)
    expect(
      (await admin(`set-config --type META --file ${lab.path('mgmtd', 'etc', 'meta_main.toml')}`)).stdout,
    ).toContain('Succeed')
    startService('meta_main', 'meta')
    const metaLog = () =>
      lab.read(lab.path('meta', 'log', 'hf3fs_meta_main.log')) + lab.read(lab.path('meta', 'run', 'meta_main.log'))
    expect(await eventually(() => metaLog().includes('NodeId(100) not registered'))).toBe(true)
    expect((await admin('list-nodes')).stdout).not.toMatch(/^100\s+META/m)
    // The file deploy renders, pushed the way deploy pushes it (set-config --type MGMTD): meta registers.
    expect((await admin(`set-config --type MGMTD --file ${lab.path('mgmtd', 'etc', 'mgmtd_main.toml')}`)).code).toBe(0)
    expect(
      await eventually(async () => /^100\s+META\s+HEARTBEAT_CONNECTED/m.test((await admin('list-nodes')).stdout)),
    ).toBe(true)
  })

  it('targets stay OFFLINE until storage reports them; chains follow their targets; a stopped storage leaves LASTSRV', async () => {
    writeDeployFiles('storage')
    lab.write(
      lab.path('mgmtd', 'etc', 'storage_main.toml'),
      deployFiles(lab, cluster(), 'n1', 'storage')['storage_main.toml']!,
    )
    expect(
      (await admin(`set-config --type STORAGE --file ${lab.path('mgmtd', 'etc', 'storage_main.toml')}`)).stdout,
    ).toContain('Succeed')
    const createTargets = planAction(cluster(), ':create-targets').stdin!
    // Storage not running: every create-target fails, and a batch on stdin still exits 0.
    const early = await admin('', createTargets)
    expect(early.code).toBe(0)
    expect(early.stdout).toContain('Encounter error: 7004(StorageClient::RoutingError)')
    // A storage without its target directories cannot start.
    const noDirs = startService('storage_main', 'storage')
    expect(await lab.exited(noDirs)).not.toBe(0)
    const {mkdirSync} = await import('node:fs')
    mkdirSync(lab.path('3fsdata', 'data0', '3fs'), {recursive: true})
    const storage = startService('storage_main', 'storage', {})
    expect(
      await eventually(async () => /^10001\s+STORAGE\s+HEARTBEAT_CONNECTED/m.test((await admin('list-nodes')).stdout)),
    ).toBe(true)
    // Chains uploaded before any target exists on disk: all OFFLINE, chains UNAVAILABLE.
    lab.write(lab.path('mgmtd', 'etc', 'chains.csv'), deployFiles(lab, cluster(), 'n1', 'mgmtd')['chains.csv']!)
    lab.write(
      lab.path('mgmtd', 'etc', 'chain-table.csv'),
      deployFiles(lab, cluster(), 'n1', 'mgmtd')['chain-table.csv']!,
    )
    expect((await admin(`upload-chains ${lab.path('mgmtd', 'etc', 'chains.csv')}`)).stdout).toMatch(
      /^Upload 2 chains succeeded$/m,
    )
    expect(
      (await admin(`upload-chain-table --desc replication-1 1 ${lab.path('mgmtd', 'etc', 'chain-table.csv')}`)).stdout,
    ).toContain('succeeded')
    const offline = await admin('list-chains')
    expect(offline.stdout).toMatch(/UNAVAILABLE/)
    expect(offline.stdout).not.toMatch(/\bSERVING\b/)
    // create-target through the storage node, then its heartbeat reports the targets: SERVING.
    const created = await admin('', createTargets)
    expect(created.stdout).not.toContain('Encounter error')
    expect(
      await eventually(async () =>
        /^(?![\s\S]*(UNAVAILABLE|OFFLINE))[\s\S]*SERVING/.test((await admin('list-chains')).stdout),
      ),
    ).toBe(true)
    expect((await admin('list-targets')).stdout).toMatch(/^\d+\s+\d+\s+HEAD\s+SERVING\s+UPTODATE\s+10001\s+0\s+0$/m)
    // The storage container stops: after mgmtd's heartbeat_fail_interval its targets are LASTSRV, chains UNAVAILABLE.
    await lab.stop(storage)
    expect(await eventually(async () => /LASTSRV-OFFLINE/.test((await admin('list-chains')).stdout), 15_000)).toBe(true)
    expect((await admin('list-chains')).stdout).toMatch(/UNAVAILABLE/)
    expect((await admin('list-nodes')).stdout).toMatch(/^10001\s+STORAGE\s+HEARTBEAT_FAILED/m)
  }, 60_000)

  it('admin_cli: an unknown flag is WrongUsage; only the last of ";"-joined commands sets the exit status', async () => {
    const wrong = await admin('create-target --node-id 10001 --disk 0 --target-id 1 --chain-id 1')
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toMatch(/^Encounter error: 10000\(Cli::WrongUsage\)/)
    expect((await admin('list-bogus; list-nodes')).code).toBe(0)
    expect((await admin('list-nodes; list-bogus')).code).toBe(1)
    const token = await admin('user-add --root --admin 0 root')
    expect(token.stdout).toMatch(/^Token {2,}AA\w+\(Expired at N\/A\)$/m)
  })

  it('failure injection: STANDIN_FAIL=admin_cli:list-nodes makes exactly that command fail', async () => {
    const failed = await admin('list-nodes', undefined, {STANDIN_FAIL: 'admin_cli:list-nodes'})
    expect(failed).toMatchObject({
      code: 1,
      stdout: 'Encounter error: 70(FaultInjection)\ninjected failure (STANDIN_FAIL)\n',
    })
    expect((await admin('list-chain-tables', undefined, {STANDIN_FAIL: 'admin_cli:list-nodes'})).code).toBe(0)
  })
})

describe('stand-in ClickHouse and monitor_collector (TEST DOUBLE)', () => {
  it('answers on the tcp_port of 3fs-ports.xml, refuses a wrong password, runs 3fs-monitor.sql; monitor fails on a wrong password', async () => {
    const files = deployFiles(lab, cluster(), 'n1', 'clickhouse')
    lab.write(lab.path('clickhouse', 'config.d', '3fs-ports.xml'), files['3fs-ports.xml']!)
    const env = {
      CLICKHOUSE_USER: 'default',
      CLICKHOUSE_PASSWORD: 'ch-secret-4711',
      STANDIN_CLICKHOUSE_CONFIG_DIR: lab.path('clickhouse', 'config.d'),
      STANDIN_CLICKHOUSE_DATA: lab.path('clickhouse', 'data'),
      STANDIN_CLICKHOUSE_LOG: lab.path('clickhouse', 'server.log'),
    }
    lab.start('clickhouse-server', [], {ip, env})
    const client = (args: string[], input?: string) =>
      lab.run('clickhouse-client', ['--port', '19000', ...args], {ip, input, env})
    expect(await eventually(async () => (await client(['--query', 'SELECT 1'])).stdout === '1\n')).toBe(true)
    const wrong = await lab.run('clickhouse-client', ['--port', '19000', '--password', 'nope', '--query', 'SELECT 1'], {
      ip,
    })
    expect(wrong.code).toBe(516 % 256)
    expect(wrong.stderr).toContain('Authentication failed')
    expect((await client(['--multiquery'], files['3fs-monitor.sql']!)).code).toBe(0)
    const monitorEtc = writeDeployFiles('monitor')
    const ok = lab.start('monitor_collector_main', ['--cfg', `${monitorEtc}/monitor_collector_main.toml`], {
      ip,
      cwd: lab.path('monitor', 'run'),
    })
    expect(
      await eventually(() =>
        lab.read(lab.path('monitor', 'log', 'monitor_collector_main.log')).includes('connected to ClickHouse'),
      ),
    ).toBe(true)
    await lab.stop(ok)
    lab.write(
      `${monitorEtc}/bad.toml`,
      lab.read(`${monitorEtc}/monitor_collector_main.toml`).replace('ch-secret-4711', 'wrong'),
    )
    lab.write(lab.path('monitor', 'log', 'monitor_collector_main.log'), '')
    const bad = lab.start('monitor_collector_main', ['--cfg', `${monitorEtc}/bad.toml`], {
      ip,
      cwd: lab.path('monitor', 'run2'),
    })
    expect(await lab.exited(bad)).not.toBe(0)
    expect(lab.read(lab.path('monitor', 'log', 'monitor_collector_main.log'))).toContain('Authentication failed')
  })
})
