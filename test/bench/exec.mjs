// Benchmark: `exec` on 8 SSH test hosts. Prints the time of one whole CLI run (connect + command + exit),
// the time of one fan-out round over connections already open, and OpenSSH's ssh client doing the
// same 8 commands in parallel as the peer, all measured in this run. Needs root (test hosts). It logs in
// as a test user without a ~/.bashrc, so that the machine's own root shell start-up is not what is measured.
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parseCluster} from '../../dist/config/loader.js'
import {fanOut} from '../../dist/remote/fanout.js'
import {HostPool} from '../../dist/remote/pool.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const hostsScript = join(root, 'test', 'hosts', 'hosts.sh')
const NODES = 8
const ROUNDS = 20

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-bench-'))
execFileSync('bash', [hostsScript, 'up', dir, String(NODES)], {stdio: 'inherit'})
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const time = async (work) => {
  const started = performance.now()
  await work()
  return performance.now() - started
}
const run = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {stdio: 'ignore'})
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))))
  })

try {
  const nodes = readFileSync(join(dir, 'nodes.tsv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
  const yaml = [
    'name: bench',
    'nodes:',
    ...nodes.flatMap(([name, ip, port]) => [
      `  - {name: ${name}, host: ${ip}, port: ${port}, username: tfs-nopw, identityFile: ${join(dir, 'user_key')}}`,
    ]),
    'services:',
    ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [node1]}`),
    `  storage: {nodes: [${nodes.map(([name]) => name).join(', ')}], diskType: dir}`,
    `ssh: {knownHostsFile: ${join(dir, 'known_hosts')}, useAgent: false}`,
  ].join('\n')
  const config = join(dir, 'cluster.yml')
  writeFileSync(config, yaml)

  const cli = []
  for (let index = 0; index < 5; index++)
    cli.push(await time(() => run('node', [join(root, 'bin', 'run.js'), 'exec', '-c', config, '--json', '--', 'true'])))

  const cluster = parseCluster(yaml, config)
  const pool = new HostPool({ssh: cluster.ssh})
  const round = () => fanOut(cluster.nodes, (node) => pool.get(node).run('true', {check: true}), {concurrency: 64})
  const connect = await time(round)
  const rounds = []
  for (let index = 0; index < ROUNDS; index++) rounds.push(await time(round))
  await pool.closeAll()

  const sshArgs = (ip, port) => [
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-i',
    join(dir, 'user_key'),
    '-p',
    port,
    `tfs-nopw@${ip}`,
    'true',
  ]
  const openssh = []
  for (let index = 0; index < 5; index++)
    openssh.push(await time(() => Promise.all(nodes.map(([, ip, port]) => run('ssh', sshArgs(ip, port))))))

  console.log(`exec on ${NODES} test hosts (median):`)
  console.log(`  whole CLI run (start, connect, run, exit): ${median(cli).toFixed(0)} ms`)
  console.log(`  first round incl. connecting:              ${connect.toFixed(0)} ms`)
  console.log(`  one round once connected:                  ${median(rounds).toFixed(1)} ms`)
  console.log(`  peer: 8 parallel OpenSSH ssh processes:     ${median(openssh).toFixed(0)} ms`)
  console.log(
    `  ratio CLI run / OpenSSH: ${(median(cli) / median(openssh)).toFixed(2)}x; connected round / OpenSSH: ${(median(rounds) / median(openssh)).toFixed(3)}x`,
  )
} finally {
  execFileSync('bash', [hostsScript, 'down', dir])
}
