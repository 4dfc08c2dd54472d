/** `3fs-cli upload` against real sshd test hosts: atomic transfer, checksum skip, trees, sudo. */
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {randomBytes, createHash} from 'node:crypto'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = hostsAvailable()

describe.skipIf(!available)('upload on real SSH test hosts', () => {
  let hosts: TestHosts
  let work: string

  beforeAll(() => {
    hosts = TestHosts.start(3)
    work = mkdtempSync(join(tmpdir(), '3fs-cli-upload-'))
  })

  afterAll(() => {
    hosts?.down()
  })

  it('sends a file to every node, verifies it, and skips nodes that already have it', async () => {
    const file = join(work, 'payload.bin')
    const content = randomBytes(3 * 1024 * 1024 + 17)
    writeFileSync(file, content)
    const sha = createHash('sha256').update(content).digest('hex')
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})

    const first = await runCli(['upload', '-c', config, '--json', '--sudo', file, '/opt/3fs/bin/payload.bin'])
    expect(first.exitCode).toBe(0)
    expect(first.json.summary).toMatchObject({total: 3, sent: 3, skipped: 0, failed: 0})

    const check = await runCli([
      'exec',
      '-c',
      config,
      '--json',
      '--',
      'sha256sum /opt/3fs/bin/payload.bin; stat -c %a%U /opt/3fs/bin/payload.bin; ls -a /opt/3fs/bin | wc -l',
    ])
    for (const node of check.json.nodes) {
      const [sum, owner, count] = node.stdout.trim().split('\n')
      expect(sum.split(' ')[0]).toBe(sha)
      expect(owner).toBe('644root')
      expect(count).toBe('3') // ., .. and the file: no temp file left behind
    }

    const second = await runCli(['upload', '-c', config, '--json', '--sudo', file, '/opt/3fs/bin/payload.bin'])
    expect(second.json.summary).toMatchObject({sent: 0, skipped: 3})

    // A node whose copy differs gets the file again; the others are skipped.
    await runCli(['exec', '-c', config, '--nodes', 'node2', '--sudo', '--', 'echo changed > /opt/3fs/bin/payload.bin'])
    const third = await runCli(['upload', '-c', config, '--json', '--sudo', file, '/opt/3fs/bin/payload.bin'])
    expect(third.json.nodes.map((node: any) => [node.node, node.skipped])).toEqual([
      ['node1', true],
      ['node2', false],
      ['node3', true],
    ])
  })

  it('fails with the node named when the user may not write the target without --sudo', async () => {
    const file = join(work, 'small.txt')
    writeFileSync(file, 'hello\n')
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW, nodes: ['node1']})
    const result = await runCli(['upload', '-c', config, '--json', file, '/opt/3fs/etc/small.txt'])
    expect(result.exitCode).toBe(1)
    expect(result.json.nodes[0].error.kind).toBe('transfer')
    expect(result.json.nodes[0].error.message).toMatch(/^node1: upload of .* failed: .*Permission denied/)
  })

  it('uploads a directory tree atomically, replaces its own earlier upload, and leaves foreign directories alone', async () => {
    const tree = join(work, 'tree')
    mkdirSync(join(tree, 'sub'), {recursive: true})
    writeFileSync(join(tree, 'a.conf'), 'a=1\n')
    writeFileSync(join(tree, 'sub', 'b.conf'), 'b=2\n')
    const config = hosts.writeCluster()
    const first = await runCli(['upload', '-c', config, '--json', tree, '/opt/3fs/etc'])
    expect(first.json.summary).toMatchObject({sent: 3})
    const again = await runCli(['upload', '-c', config, '--json', tree, '/opt/3fs/etc'])
    expect(again.json.summary).toMatchObject({skipped: 3})

    writeFileSync(join(tree, 'sub', 'b.conf'), 'b=3\n')
    const changed = await runCli(['upload', '-c', config, '--json', tree, '/opt/3fs/etc'])
    expect(changed.json.summary).toMatchObject({sent: 3})
    const read = await runCli([
      'exec',
      '-c',
      config,
      '--json',
      '--',
      'cat /opt/3fs/etc/a.conf /opt/3fs/etc/sub/b.conf; ls /opt/3fs | grep -c 3fs-cli || true',
    ])
    for (const node of read.json.nodes) expect(node.stdout).toBe('a=1\nb=3\n0\n')

    await runCli(['exec', '-c', config, '--', 'mkdir -p /opt/3fs/foreign && echo keep > /opt/3fs/foreign/data'])
    const refused = await runCli(['upload', '-c', config, '--json', tree, '/opt/3fs/foreign'])
    expect(refused.exitCode).toBe(1)
    expect(refused.json.nodes[0].error.message).toContain('was not written by 3fs-cli')
    const kept = await runCli(['exec', '-c', config, '--json', '--', 'cat /opt/3fs/foreign/data'])
    expect(kept.json.nodes.every((node: any) => node.stdout === 'keep\n')).toBe(true)
  })

  it("keeps each node's files private to that node, while /3fs is shared by all", async () => {
    const config = hosts.writeCluster()
    await runCli(['exec', '-c', config, '--', 'hostname > /opt/3fs/whoami; hostname > /3fs/from-$(hostname)'])
    const result = await runCli(['exec', '-c', config, '--json', '--', 'cat /opt/3fs/whoami; ls /3fs | grep -c from-'])
    for (const node of result.json.nodes) expect(node.stdout).toBe(`${node.node}\n3\n`)
  })
})
