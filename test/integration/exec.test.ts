/**
 * `3fs-cli exec` through the built CLI against real sshd test hosts (test/hosts). Asserts on --json
 * output and exit codes.
 */
import {copyFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'

const available = hostsAvailable()

describe.skipIf(!available)('exec on real SSH test hosts', () => {
  let hosts: TestHosts

  beforeAll(() => {
    hosts = TestHosts.start(5)
  })

  afterAll(() => {
    hosts?.down()
  })

  it('runs one command on 5 nodes and reports each node by name', async () => {
    const config = hosts.writeCluster()
    const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'])
    expect(result.exitCode).toBe(0)
    expect(result.json.summary).toMatchObject({total: 5, succeeded: 5, failed: 0})
    for (const node of result.json.nodes) {
      expect(node.ok).toBe(true)
      expect(node.exitCode).toBe(0)
      // Each node has its own UTS namespace, so hostname proves the command ran on that node.
      expect(node.stdout.trim()).toBe(node.node)
    }
  })

  it('reports a command that fails on one node with that node named, while the others succeed', async () => {
    const config = hosts.writeCluster()
    const result = await runCli(['exec', '-c', config, '--json', '--', 'test "$(hostname)" != node3'])
    expect(result.exitCode).toBe(1)
    const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
    expect(byNode.node3).toMatchObject({ok: false, exitCode: 1})
    for (const name of ['node1', 'node2', 'node4', 'node5']) expect(byNode[name]).toMatchObject({ok: true, exitCode: 0})
  })

  it('selects nodes by --nodes and by --service', async () => {
    const config = hosts.writeCluster()
    const picked = await runCli(['exec', '-c', config, '--json', '--nodes', 'node2,node4', '--', 'true'])
    expect(picked.json.nodes.map((node: any) => node.node)).toEqual(['node2', 'node4'])
    const mgmtd = await runCli(['exec', '-c', config, '--json', '--service', 'mgmtd', '--', 'true'])
    expect(mgmtd.json.nodes.map((node: any) => node.node)).toEqual(['node1'])
    const typo = await runCli(['exec', '-c', config, '--json', '--nodes', 'nod2', '--', 'true'])
    expect(typo.exitCode).toBe(2)
    expect(typo.json.error.next.join(' ')).toContain('Did you mean "node2"?')
  })

  it('runs privileged commands through passwordless sudo', async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const plain = await runCli(['exec', '-c', config, '--json', '--', 'id -u'])
    expect(
      plain.json.nodes.every((node: any) => node.stdout.trim() === '47001'),
      JSON.stringify(plain.json.nodes),
    ).toBe(true)
    const sudo = await runCli(['exec', '-c', config, '--json', '--sudo', '--', 'id -u'])
    expect(sudo.exitCode).toBe(0)
    expect(sudo.json.nodes.every((node: any) => node.stdout.trim() === '0')).toBe(true)
  })

  it('feeds the sudo password on stdin and never shows it in logs or output', async () => {
    const password = hosts.env.USER_PASSWORD!
    const config = hosts.writeCluster({username: hosts.env.USER_PW, password, identityFile: null})
    const result = await runCli([
      'exec',
      '-c',
      config,
      '--json',
      '--verbose',
      '--sudo',
      '--',
      'id -u; cat /proc/$PPID/cmdline | tr "\\0" " "',
    ])
    expect(result.exitCode).toBe(0)
    for (const node of result.json.nodes) expect(node.stdout.split('\n')[0]).toBe('0')
    // The verbose log names every command, and the parent's command line is in stdout: neither has the password.
    expect(result.stderr).toContain('sudo')
    expect(result.stdout).not.toContain(password)
    expect(result.stderr).not.toContain(password)
  })

  it('refuses a wrong sudo password with the node named and the password hidden', async () => {
    const wrong = 'wrong-sudo-secret-991'
    const config = hosts.writeCluster({
      username: hosts.env.USER_PW,
      password: hosts.env.USER_PASSWORD,
      sudoPassword: wrong,
      identityFile: null,
      nodes: ['node1'],
    })
    const result = await runCli(['exec', '-c', config, '--json', '--sudo', '--', 'id -u'])
    expect(result.exitCode).toBe(1)
    expect(result.json.nodes[0].error.kind).toBe('sudo')
    expect(result.json.nodes[0].error.message).toContain('node1')
    expect(result.stdout + result.stderr).not.toContain(wrong)
  })

  it('reports a refused login as an authentication error (exit 5)', async () => {
    const config = hosts.writeCluster({identityFile: hosts.key('stranger_key'), nodes: ['node1']})
    const result = await runCli(['exec', '-c', config, '--json', '--', 'true'])
    expect(result.exitCode).toBe(5)
    expect(result.json.nodes[0].error.kind).toBe('auth')
    expect(result.json.nodes[0].error.message).toMatch(/authentication as root refused/)
  })

  it('logs in with ed25519, ecdsa and rsa keys', async () => {
    for (const key of ['user_key', 'user_key_ecdsa', 'user_key_rsa'] as const) {
      const config = hosts.writeCluster({identityFile: hosts.key(key), nodes: ['node2']})
      const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'])
      expect(result.exitCode, key).toBe(0)
      expect(result.json.nodes[0].stdout.trim()).toBe('node2')
    }
  })

  it('explains that an encrypted key needs ssh-agent or a terminal when run non-interactively', async () => {
    const config = hosts.writeCluster({identityFile: hosts.key('user_key_encrypted'), nodes: ['node1']})
    const result = await runCli(['exec', '-c', config, '--json', '--', 'true'])
    expect(result.exitCode).toBe(5)
    expect(result.json.nodes[0].error.message).toContain('is encrypted')
  })

  it("asks for an encrypted key's passphrase on a terminal, without echoing it", async () => {
    const {execa} = await import('execa')
    const config = hosts.writeCluster({identityFile: hosts.key('user_key_encrypted'), nodes: ['node1', 'node2']})
    const passphrase = hosts.env.KEY_PASSPHRASE!
    // script(1) gives the CLI a pseudo-terminal; the passphrase is typed once the prompt is up.
    const cli = execa('script', ['-qec', `node bin/run.js exec -c ${config} -- hostname`, '/dev/null'], {
      cwd: ROOT,
      reject: false,
      env: {HOME: hosts.dir, NO_COLOR: '1'},
    })
    let typed = false
    cli.stdout!.on('data', (chunk: Buffer) => {
      if (!typed && chunk.toString().includes('Passphrase for')) {
        typed = true
        cli.stdin!.write(`${passphrase}\r`)
      }
    })
    const result = await cli
    expect(result.exitCode).toBe(0)
    const screen = String(result.stdout)
    // Asked once for both nodes, never shown.
    expect(screen.match(/Passphrase for/g)).toHaveLength(1)
    expect(screen).toContain('node1\r\n')
    expect(screen).toContain('node2\r\n')
    expect(screen).not.toContain(passphrase)
  })

  it('logs in through ssh-agent', async () => {
    const {execFileSync} = await import('node:child_process')
    const agent = execFileSync('ssh-agent', ['-s'], {encoding: 'utf8'})
    const socket = /SSH_AUTH_SOCK=([^;]+);/.exec(agent)![1]!
    const pid = /SSH_AGENT_PID=(\d+);/.exec(agent)![1]!
    try {
      execFileSync('ssh-add', [hosts.key('user_key_ecdsa')], {
        env: {...process.env, SSH_AUTH_SOCK: socket},
        stdio: 'ignore',
      })
      const config = hosts.writeCluster({identityFile: null, nodes: ['node3']})
      writeFileSync(config, readFileSync(config, 'utf8').replace('useAgent: false', 'useAgent: true'))
      const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'], {env: {SSH_AUTH_SOCK: socket}})
      expect(result.exitCode).toBe(0)
      expect(result.json.nodes[0].stdout.trim()).toBe('node3')
    } finally {
      process.kill(Number(pid))
    }
  })

  describe('host keys', () => {
    it('refuses a node whose key is not in known_hosts (strict by default)', async () => {
      const empty = join(hosts.dir, 'known_hosts.empty')
      writeFileSync(empty, '')
      const config = hosts.writeCluster({knownHostsFile: empty, nodes: ['node1', 'node2']})
      const result = await runCli(['exec', '-c', config, '--json', '--', 'true'])
      expect(result.exitCode).toBe(5)
      for (const node of result.json.nodes) {
        expect(node.error.kind).toBe('host-key')
        expect(node.error.message).toContain('is not in')
      }
    })

    it('records unknown keys with --accept-new-host-keys and then trusts them', async () => {
      const fresh = join(hosts.dir, 'known_hosts.fresh')
      const config = hosts.writeCluster({knownHostsFile: fresh})
      const first = await runCli(['exec', '-c', config, '--json', '--accept-new-host-keys', '--', 'true'])
      expect(first.exitCode).toBe(0)
      const recorded = readFileSync(fresh, 'utf8').trim().split('\n')
      expect(recorded).toHaveLength(5)
      for (const node of hosts.nodes) {
        const hostKey = readFileSync(join(hosts.dir, 'nodes', node.name, 'host_key.pub'), 'utf8')
          .split(' ')
          .slice(0, 2)
          .join(' ')
        expect(recorded).toContain(`[${node.ip}]:${node.port} ${hostKey}`)
      }
      const second = await runCli(['exec', '-c', config, '--json', '--', 'true'])
      expect(second.exitCode).toBe(0)
    })

    it('refuses a changed host key even with --accept-new-host-keys, naming the known_hosts line', async () => {
      const tampered = join(hosts.dir, 'known_hosts.tampered')
      copyFileSync(hosts.knownHosts, tampered)
      const stranger = readFileSync(hosts.key('stranger_key') + '.pub', 'utf8')
        .split(' ')
        .slice(0, 2)
        .join(' ')
      const node2 = hosts.node('node2')
      const lines = readFileSync(tampered, 'utf8')
        .split('\n')
        .map((line) => (line.startsWith(`[${node2.ip}]:`) ? `[${node2.ip}]:${node2.port} ${stranger}` : line))
      writeFileSync(tampered, lines.join('\n'))
      const config = hosts.writeCluster({knownHostsFile: tampered})
      const result = await runCli(['exec', '-c', config, '--json', '--accept-new-host-keys', '--', 'true'])
      expect(result.exitCode).toBe(5)
      const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
      expect(byNode.node2.error.kind).toBe('host-key')
      expect(byNode.node2.error.message).toMatch(/CHANGED.*known_hosts\.tampered:2/)
      expect(byNode.node1.ok).toBe(true)
    })
  })

  describe('faults', () => {
    it('reports a node that is down by name while the others finish', async () => {
      hosts.stopNode('node4')
      try {
        const config = hosts.writeCluster()
        const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'])
        expect(result.exitCode).toBe(5)
        const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
        expect(byNode.node4.error).toMatchObject({kind: 'unreachable'})
        expect(byNode.node4.error.message).toContain('connection refused')
        expect(result.json.summary).toMatchObject({succeeded: 4, failed: 1, unreachable: 1})
      } finally {
        hosts.startNode('node4')
      }
    })

    it('times out a hanging node (frozen sshd) while the others finish', async () => {
      hosts.freezeNode('node2')
      try {
        // A connect timeout long enough that the others finish first even on a loaded 2-core machine
        // (there they took up to 2.5 s): the assertions are orderings, not wall times.
        const config = hosts.writeCluster({connectTimeout: '8s'})
        const result = await runCli(['exec', '-c', config, '--json', '--', 'hostname'])
        expect(result.exitCode).toBe(5)
        const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
        expect(byNode.node2).toMatchObject({node: 'node2', ok: false})
        expect(byNode.node2.error.kind).toBe('unreachable')
        expect(byNode.node2.error.message).toContain('no SSH handshake')
        // It waited its connect timeout: a frozen node is not given up on early.
        expect(byNode.node2.durationMs).toBeGreaterThanOrEqual(7_500)
        // The others ran their command to the end (not cancelled by the failure) and were not held back:
        // each finished before the frozen node's timeout fired.
        for (const name of ['node1', 'node3', 'node4', 'node5']) {
          expect(byNode[name]).toMatchObject({ok: true, exitCode: 0, stdout: `${name}\n`})
          expect(byNode[name].durationMs).toBeLessThan(byNode.node2.durationMs)
        }
        expect(result.json.summary).toMatchObject({succeeded: 4, failed: 1, unreachable: 1})
      } finally {
        hosts.thawNode('node2')
      }
    })

    it('stops a command that runs past --timeout and says so', async () => {
      const config = hosts.writeCluster({nodes: ['node1', 'node2']})
      // A duration no other test uses, so that the check below finds only this command's process.
      // 5 s: node2's `echo done` took 1.4 s on a loaded machine, past a 1 s timeout; the sleep is 20 s.
      const result = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--timeout',
        '5s',
        '--',
        'if [ "$(hostname)" = node1 ]; then sleep 20.4711; fi; echo done',
      ])
      expect(result.exitCode).toBe(1)
      const byNode = Object.fromEntries(result.json.nodes.map((node: any) => [node.node, node]))
      expect(byNode.node1).toMatchObject({ok: false, timedOut: true, exitCode: null})
      expect(byNode.node2, JSON.stringify(byNode.node2)).toMatchObject({ok: true, stdout: 'done\n'})
      // Stopped at its 5 s timeout, not left to sleep its 20 s (a margin no loaded machine uses up).
      expect(byNode.node1.durationMs).toBeLessThan(19_000)
      // The timed-out command was stopped on the node, not just abandoned.
      // Stopping is asynchronous (TERM, then KILL a second later): allow it a few seconds to finish.
      let left = ''
      for (let attempt = 0; attempt < 6; attempt++) {
        left = (
          await runCli([
            'exec',
            '-c',
            config,
            '--json',
            '--nodes',
            'node1',
            '--',
            'pgrep -af "sleep 2[0].4711" || echo none',
          ])
        ).json.nodes[0].stdout
        if (left === 'none\n') break
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      expect(left).toBe('none\n')
    })

    it('stops a timed-out sudo command, children included, as root', async () => {
      const config = hosts.writeCluster({
        username: hosts.env.USER_PW,
        password: hosts.env.USER_PASSWORD,
        identityFile: null,
        nodes: ['node3'],
      })
      const result = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--sudo',
        '--timeout',
        '1s',
        '--',
        'sh -c "sleep 31.0815; echo late"; echo after',
      ])
      expect(result.json.nodes[0]).toMatchObject({timedOut: true, exitCode: null})
      let left = ''
      for (let attempt = 0; attempt < 6; attempt++) {
        left = (await runCli(['exec', '-c', config, '--json', '--', 'pgrep -af "sleep 3[1].0815" || echo none'])).json
          .nodes[0].stdout
        if (left === 'none\n') break
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      expect(left).toBe('none\n')
    })

    it('cancels the other nodes with --fail-fast', async () => {
      const config = hosts.writeCluster()
      const result = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--fail-fast',
        '--concurrency',
        '1',
        '--',
        'test "$(hostname)" != node2',
      ])
      expect(result.exitCode).toBe(1)
      const states = result.json.nodes.map((node: any) => [node.node, node.ok ? 'ok' : (node.error?.kind ?? 'failed')])
      expect(states).toEqual([
        ['node1', 'ok'],
        ['node2', 'failed'],
        ['node3', 'aborted'],
        ['node4', 'aborted'],
        ['node5', 'aborted'],
      ])
    })
  })

  it('changes nothing on any node when cluster.yml is invalid', async () => {
    const config = hosts.writeCluster()
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('name: test-cluster', 'name: test-cluster\nnetwrokType: RDMA'),
    )
    const marker = join(hosts.dir, 'shared3fs', 'must-not-exist')
    const result = await runCli(['exec', '-c', config, '--json', '--', `touch /3fs/must-not-exist`])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.problems[0]).toMatchObject({
      line: 2,
      column: 1,
      path: 'netwrokType',
      hint: 'Did you mean "networkType"?',
    })
    expect(existsSync(marker)).toBe(false)
  })
})
