// The SSH test hosts (test/hosts/hosts.sh) for benchmark scripts, which run as plain Node without TypeScript.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'hosts', 'hosts.sh')

export class TestHostsForBench {
  static start(count) {
    const dir = mkdtempSync(join(tmpdir(), '3fs-cli-bench-hosts-'))
    execFileSync('bash', [script, 'up', dir, String(count)], {stdio: 'inherit'})
    return new TestHostsForBench(dir)
  }

  constructor(dir) {
    this.dir = dir
    this.shared = join(dir, 'shared3fs')
    this.nodes = readFileSync(join(dir, 'nodes.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
  }

  writeCluster() {
    const names = this.nodes.map(([name]) => name).join(', ')
    const yaml = [
      'name: bench',
      'nodes:',
      ...this.nodes.map(
        ([name, ip, port]) =>
          `  - {name: ${name}, host: ${ip}, port: ${port}, username: tfs-nopw, identityFile: ${join(this.dir, 'user_key')}}`,
      ),
      'services:',
      ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [node1]}`),
      `  storage: {nodes: [${names}], diskType: dir}`,
      `  client: {nodes: [${names}]}`,
      `ssh: {knownHostsFile: ${join(this.dir, 'known_hosts')}, useAgent: false}`,
    ].join('\n')
    const file = join(this.dir, 'cluster.yml')
    writeFileSync(file, yaml)
    return file
  }

  down() {
    execFileSync('bash', [script, 'down', this.dir])
  }
}
