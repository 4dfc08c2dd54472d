/**
 * Rules of the OpenSSH client config reader (src/config/ssh-config.ts), of how a node's reach is put together
 * from a flag, cluster.yml, the SSH config and defaults (reach.ts, ssh-apply.ts), and of the small config
 * helpers (create, select, suggest, write-schema, durations): each test pins one rule down so that a changed
 * rule fails a test, including the exact text of errors a user reads.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it, vi} from 'vitest'

import {createConfig} from '../../src/config/create.js'
import {parseCluster} from '../../src/config/loader.js'
import type {ClusterNode, SshSettings} from '../../src/config/model.js'
import {chainKey, nodeReach, reachReport} from '../../src/config/reach.js'
import {durationMs} from '../../src/config/schema.js'
import {selectNodes} from '../../src/config/select.js'
import {summarizeCluster} from '../../src/config/summary.js'
import {applySshConfig} from '../../src/config/ssh-apply.js'
import {expandTokens, parseJumps, parseSshConfig, resolveSshConfig, splitLine} from '../../src/config/ssh-config.js'
import {closest, editDistance} from '../../src/config/suggest.js'
import {writeSchemaFile} from '../../src/config/write-schema.js'
import {UsageError} from '../../src/errors.js'

const FIX_LINE = 'Fix that line of the SSH config (see ssh_config(5)).'
const ME = userInfo().username

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-rules-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  vi.unstubAllEnvs()
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

/** A fake home whose ~/.ssh/config holds `text`; `extra` adds files under ~/.ssh (sub-directories made). */
function fakeHome(text: string, extra: Record<string, string> = {}): {home: string; file: string} {
  const home = tempDir()
  mkdirSync(join(home, '.ssh'))
  const file = join(home, '.ssh', 'config')
  writeFileSync(file, text)
  for (const [name, body] of Object.entries(extra)) {
    mkdirSync(join(home, '.ssh', name, '..'), {recursive: true})
    writeFileSync(join(home, '.ssh', name), body)
  }
  return {home, file}
}

function resolveIn(text: string, alias: string, extra: Record<string, string> = {}) {
  const fake = fakeHome(text, extra)
  const resolved = resolveSshConfig(parseSshConfig(fake.file, fake.home), alias, {home: fake.home, localUser: 'me'})
  return {...resolved, ...fake}
}

/** The UsageError `run` throws; fails the test if it throws nothing or something else. */
function usageError(run: () => unknown): UsageError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return error as UsageError
  }
  throw new Error('expected a UsageError, nothing was thrown')
}

async function usageErrorOf(run: () => Promise<unknown>): Promise<UsageError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UsageError)
  return error as UsageError
}

/** The error a config line causes when alias `n1` is resolved: message and next step. */
function lineError(text: string, extra: Record<string, string> = {}) {
  const fake = fakeHome(text, extra)
  const error = usageError(() =>
    resolveSshConfig(parseSshConfig(fake.file, fake.home), 'n1', {home: fake.home, localUser: 'me'}),
  )
  return {message: error.message, next: error.next, file: fake.file}
}

describe('splitting a config line into words', () => {
  it('a keyword alone is one word, and an empty line no word', () => {
    expect(splitLine('IdentitiesOnly', 's')).toEqual(['IdentitiesOnly'])
    expect(splitLine('', 's')).toEqual([])
  })

  it('takes Keyword=value, Keyword = value and runs of blanks between words alike', () => {
    expect(splitLine('User=ops', 's')).toEqual(['User', 'ops'])
    expect(splitLine('  User  =  ops  ', 's')).toEqual(['User', 'ops'])
    expect(splitLine('Host a   b\tc', 's')).toEqual(['Host', 'a', 'b', 'c'])
    // A line that starts with "=" has an empty keyword (which no setting uses).
    expect(splitLine('=x', 's')).toEqual(['', 'x'])
  })

  it('keeps blanks inside double quotes and refuses an unterminated quote with file:line', () => {
    expect(splitLine('IdentityFile "a b" c', 's')).toEqual(['IdentityFile', 'a b', 'c'])
    const error = usageError(() => splitLine('User "ops', 'f:3'))
    expect(error.message).toBe('f:3: unterminated quote')
    expect(error.next).toEqual([FIX_LINE])
  })
})

describe('splitting a config line as OpenSSH 9.2 does (each case checked with `ssh -G`)', () => {
  it('ends the line at a word that starts with #, but keeps # inside a word', () => {
    expect(splitLine('User ops # admin', 's')).toEqual(['User', 'ops'])
    expect(splitLine('Host web-a web-b #db', 's')).toEqual(['Host', 'web-a', 'web-b'])
    expect(splitLine('User a#b', 's')).toEqual(['User', 'a#b'])
    expect(splitLine('User "u v"#x', 's')).toEqual(['User', 'u v#x'])
    expect(splitLine('User "#quoted"', 's')).toEqual(['User', '#quoted'])
  })

  it('takes single quotes like double ones, and quotes that start or end inside a word', () => {
    expect(splitLine("HostName '10.0.0.5'", 's')).toEqual(['HostName', '10.0.0.5'])
    expect(splitLine("User 'a b' # c", 's')).toEqual(['User', 'a b'])
    expect(splitLine('IdentityFile "a b"c', 's')).toEqual(['IdentityFile', 'a bc'])
    expect(splitLine('HostName x"y z"w', 's')).toEqual(['HostName', 'xy zw'])
    expect(splitLine(`User "it's"`, 's')).toEqual(['User', "it's"])
    expect(() => splitLine("User 'ops", 's')).toThrow('s: unterminated quote')
  })

  it('reads a backslash before a quote, a backslash or (outside quotes) a space as that character, else keeps it', () => {
    expect(splitLine('IdentityFile a\\ b', 's')).toEqual(['IdentityFile', 'a b'])
    expect(splitLine('HostName "q\\"r"', 's')).toEqual(['HostName', 'q"r'])
    expect(splitLine('IdentityFile a\\\\b', 's')).toEqual(['IdentityFile', 'a\\b'])
    expect(splitLine('IdentityFile a\\xb', 's')).toEqual(['IdentityFile', 'a\\xb'])
    expect(splitLine('IdentityFile "a\\ b"', 's')).toEqual(['IdentityFile', 'a\\ b'])
  })

  it('resolves a host whose block has trailing comments to the values OpenSSH uses', () => {
    const resolved = resolveIn(
      ['Host t1 # lab', '  User ops # admin', "  HostName '10.0.0.5'", '  Port 2222 #x'].join('\n'),
      't1',
    )
    expect(resolved).toMatchObject({user: 'ops', hostName: '10.0.0.5', port: 2222})
  })
})

describe('reading Host and Match blocks', () => {
  it('skips comments and blank lines and gives every line its keyword, name, words and file:line', () => {
    const fake = fakeHome(
      [
        '# top comment with a "stray quote',
        'User top',
        '',
        '   # indented comment',
        '\t',
        'Host a b',
        '  Port 1',
        'Match host x,!y originalhost z',
        '  user M',
      ].join('\n'),
    )
    const at = (line: number) => `${fake.file}:${line}`
    expect(parseSshConfig(fake.file, fake.home)).toEqual([
      {
        kind: 'host',
        patterns: ['*'],
        criteria: [],
        lines: [{keyword: 'user', name: 'User', args: ['top'], source: at(2)}],
      },
      {
        kind: 'host',
        patterns: ['a', 'b'],
        criteria: [],
        lines: [{keyword: 'port', name: 'Port', args: ['1'], source: at(7)}],
      },
      {
        kind: 'match',
        patterns: [],
        criteria: [
          {name: 'host', negate: false, list: ['x', '!y']},
          {name: 'originalhost', negate: false, list: ['z']},
        ],
        lines: [{keyword: 'user', name: 'user', args: ['M'], source: at(9)}],
      },
    ])
  })

  it('Match all applies to every host and Match !all to none', () => {
    const fake = fakeHome('Match !all\n  Port 2\nMatch all\n  Port 3\n  User u\n')
    const blocks = parseSshConfig(fake.file, fake.home)
    expect(blocks.slice(1).map((block) => block.criteria)).toEqual([
      [{name: 'all', negate: true, list: []}],
      [{name: 'all', negate: false, list: []}],
    ])
    const r = resolveSshConfig(blocks, 'anything', {home: fake.home, localUser: 'me'})
    expect([r.port, r.user]).toEqual([3, 'u'])
  })

  it('a Match block applies only when every criterion holds', () => {
    const text = 'Host n1\n  HostName 10.0.0.9\nMatch host 10.0.0.* originalhost other\n  User both\n'
    expect(resolveIn(text, 'n1').user).toBeUndefined()
    expect(resolveIn(text, 'other').user).toBeUndefined()
    expect(
      resolveIn('Match host 10.0.0.* originalhost n1\n  User both\nHost n1\n  HostName 10.0.0.9\n', 'n1').user,
    ).toBeUndefined()
    expect(
      resolveIn('Host n1\n  HostName 10.0.0.9\nMatch host 10.0.0.* originalhost n1\n  User both\n', 'n1').user,
    ).toBe('both')
  })

  it('Match host compares the HostName, not the alias, once a HostName is set', () => {
    const text = 'Host n1\n  HostName 10.0.0.9\nMatch host n1\n  User byalias\nMatch host 10.0.0.9\n  Port 2022\n'
    const r = resolveIn(text, 'n1')
    expect([r.user, r.port]).toEqual([undefined, 2022])
  })

  it.each([
    ['Match\n', 1, 'Match needs a criterion'],
    ['Match host\n', 1, 'Match host needs a pattern list'],
    ['Match !originalhost\n', 1, 'Match originalhost needs a pattern list'],
    ['Match user root\n', 1, 'Match user is not supported by 3fs-cli (only host, originalhost, all)'],
    ['Host n1\n  Include\n', 2, 'Include needs a file'],
    ['Host\n', 1, 'Host needs at least one pattern'],
  ])('refuses %j naming file:line', (text, line, message) => {
    const error = lineError(text)
    expect(error.message).toBe(`${error.file}:${line}: ${message}`)
    expect(error.next).toEqual([FIX_LINE])
  })
})

describe('Include', () => {
  it('reads a file named relative to ~/.ssh or with ~/, and the ~ alone in IdentityFile is the home', () => {
    const r = resolveIn('Include first.conf ~/.ssh/second.conf\nIdentityFile ~\nIdentityFile /abs/key\n', 'n1', {
      'first.conf': 'Port 2022\n',
      'second.conf': 'User second\n',
    })
    expect([r.port, r.user]).toEqual([2022, 'second'])
    expect(r.identityFiles).toEqual([r.home, '/abs/key'])
  })

  it('a name without wildcards is read as written: another case is another file', () => {
    const r = resolveIn('Include EXTRA.conf\n', 'n1', {'extra.conf': 'User lower\n'})
    expect(r.user).toBeUndefined()
  })

  it('a glob reads only the matching files, in name order', () => {
    const r = resolveIn('Include conf.d/*.conf\n', 'n1', {
      'conf.d/b.conf': 'Port 2002\n',
      'conf.d/a.conf': 'Port 2001\n',
      'conf.d/c.txt': 'User notincluded\n',
    })
    expect([r.port, r.user]).toEqual([2001, undefined])
    expect(r.sources.port).toBe(join(r.home, '.ssh', 'conf.d', 'a.conf:1'))
  })

  it('a glob in a directory that does not exist reads nothing', () => {
    expect(resolveIn('Include nowhere/*.conf\nUser u\n', 'n1').user).toBe('u')
  })

  it('refuses wildcards outside the file name, naming file:line', () => {
    const error = lineError('User u\nInclude */*.conf\n')
    expect(error.message).toBe(`${error.file}:2: Include wildcards are supported only in the file name: */*.conf`)
  })

  it('follows 16 nested Includes and refuses a 17th as a loop', () => {
    const dir = tempDir()
    const file = (i: number) => join(dir, `c${i}`)
    for (let i = 0; i < 17; i++) writeFileSync(file(i), `Include ${file(i + 1)}\n`)
    writeFileSync(file(17), 'User deep\n')
    // c1 is read at depth 1, ..., c16 at depth 16: allowed.
    writeFileSync(file(16), 'User deep\n')
    expect(resolveSshConfig(parseSshConfig(file(0), dir), 'n1', {home: dir, localUser: 'me'}).user).toBe('deep')
    writeFileSync(file(16), `Include ${file(17)}\n`)
    const error = usageError(() => parseSshConfig(file(0), dir))
    expect(error.message).toBe(`${file(17)}: Include nested too deeply (a loop?)`)
  })

  it('a file that includes itself is an error, not an endless loop', () => {
    const dir = tempDir()
    const file = join(dir, 'loop')
    writeFileSync(file, `Include ${file}\n`)
    expect(usageError(() => parseSshConfig(file, dir)).message).toBe(`${file}: Include nested too deeply (a loop?)`)
  })

  it('an included file without Host adds to the enclosing block; one with Host gets the enclosing block reopened after it', () => {
    const plain = fakeHome('Host a\n  Include plain.conf\n  User x\n', {'plain.conf': 'Port 5\n'})
    const blocks = parseSshConfig(plain.file, plain.home)
    expect(blocks.map((block) => [block.patterns, block.lines.map((line) => line.keyword)])).toEqual([
      [['*'], []],
      [['a'], ['port', 'user']],
    ])
    const opening = fakeHome('Host a\n  Include hosts.conf\n  User x\n', {'hosts.conf': 'Host h\n  Port 5\n'})
    expect(
      parseSshConfig(opening.file, opening.home).map((block) => [
        block.kind,
        block.patterns,
        block.lines.map((line) => line.keyword),
      ]),
    ).toEqual([
      ['host', ['*'], []],
      ['host', ['a'], []],
      ['host', ['h'], ['port']],
      ['host', ['a'], ['user']],
    ])
  })

  it('a configured file that cannot be read is a UsageError that says what to do', () => {
    const error = usageError(() => parseSshConfig('/nonexistent/ssh_config', '/nonexistent'))
    expect(error.message).toMatch(/^Cannot read SSH config \/nonexistent\/ssh_config: ENOENT/)
    expect(error.next).toEqual(['Set ssh.configFile in cluster.yml to an existing file, or remove it.'])
  })
})

describe('values of the settings 3fs-cli resolves', () => {
  it('takes the first HostName, IdentitiesOnly, StrictHostKeyChecking, ConnectTimeout and ServerAliveInterval', () => {
    const r = resolveIn(
      [
        'Host n1',
        '  HostName 10.0.0.1',
        '  IdentitiesOnly no',
        '  StrictHostKeyChecking yes',
        '  ConnectTimeout 5',
        '  ServerAliveInterval 7',
        '  UserKnownHostsFile /k/first',
        'Host *',
        '  HostName 10.0.0.2',
        '  IdentitiesOnly yes',
        '  StrictHostKeyChecking no',
        '  ConnectTimeout 9',
        '  ServerAliveInterval 11',
        '  UserKnownHostsFile',
      ].join('\n'),
      'n1',
    )
    expect(r).toMatchObject({
      hostName: '10.0.0.1',
      identitiesOnly: false,
      strictHostKeyChecking: 'yes',
      connectTimeoutSeconds: 5,
      serverAliveIntervalSeconds: 7,
      userKnownHostsFile: ['/k/first'],
    })
    expect(r.sources).toEqual({
      hostName: `${r.file}:2`,
      identitiesOnly: `${r.file}:3`,
      strictHostKeyChecking: `${r.file}:4`,
      connectTimeoutSeconds: `${r.file}:5`,
      serverAliveIntervalSeconds: `${r.file}:6`,
      userKnownHostsFile: `${r.file}:7`,
    })
  })

  it('records no IdentityFile origin when no IdentityFile applies', () => {
    const r = resolveIn('Host n1\n  User u\n', 'n1')
    expect(r.sources).toEqual({user: `${r.file}:2`})
    expect(r.identityFiles).toEqual([])
  })

  it('IdentitiesOnly is yes or no in any case', () => {
    expect(resolveIn('IdentitiesOnly YES\n', 'n1').identitiesOnly).toBe(true)
    expect(resolveIn('IdentitiesOnly No\n', 'n1').identitiesOnly).toBe(false)
    expect(lineError('Host n1\n  IdentitiesOnly maybe\n').message).toMatch(/:2: IdentitiesOnly must be yes or no$/)
  })

  it.each(['yes', 'no', 'accept-new', 'ask', 'off'])('StrictHostKeyChecking %s is accepted, in any case', (value) => {
    expect(resolveIn(`StrictHostKeyChecking ${value.toUpperCase()}\n`, 'n1').strictHostKeyChecking).toBe(value)
  })

  it('refuses another StrictHostKeyChecking value and a UserKnownHostsFile without a file', () => {
    const bad = lineError('Host n1\n  StrictHostKeyChecking maybe\n')
    expect(bad.message).toBe(`${bad.file}:2: StrictHostKeyChecking must be yes, accept-new, no, off or ask`)
    const empty = lineError('Host n1\n  UserKnownHostsFile\n')
    expect(empty.message).toBe(`${empty.file}:2: UserKnownHostsFile needs a file`)
  })

  it('Port is a whole number from 1 to 65535 and ConnectTimeout from 1 to 86400', () => {
    expect(resolveIn('Port 1\n', 'n1').port).toBe(1)
    expect(resolveIn('Port 65535\n', 'n1').port).toBe(65_535)
    expect(resolveIn('ConnectTimeout 86400\n', 'n1').connectTimeoutSeconds).toBe(86_400)
    for (const value of ['0', '65536', '12abc', 'abc12', '-1']) {
      const error = lineError(`Port ${value}\n`)
      expect(error.message).toBe(`${error.file}:1: Port must be a whole number from 1 to 65535, got "${value}"`)
    }
    const long = lineError('ConnectTimeout 86401\n')
    expect(long.message).toBe(`${long.file}:1: ConnectTimeout must be a whole number from 1 to 86400, got "86401"`)
  })

  it('ServerAliveInterval is a whole number of seconds, 0 included', () => {
    expect(resolveIn('ServerAliveInterval 0\n', 'n1').serverAliveIntervalSeconds).toBe(0)
    expect(resolveIn('ServerAliveInterval 120\n', 'n1').serverAliveIntervalSeconds).toBe(120)
    for (const value of ['5s', 'x5', '-1']) {
      const error = lineError(`ServerAliveInterval ${value}\n`)
      expect(error.message).toBe(`${error.file}:1: ServerAliveInterval must be a whole number of seconds`)
    }
  })

  it('a setting with no value or more than one is refused by name', () => {
    const none = lineError('Host n1\n  HostName\n')
    expect(none.message).toBe(`${none.file}:2: HostName takes exactly one value`)
    const two = lineError('Host n1\n  user a b\n')
    expect(two.message).toBe(`${two.file}:2: user takes exactly one value`)
  })
})

describe('ProxyJump hops', () => {
  it('takes bracketed IPv6 addresses with or without a user and port', () => {
    expect(parseJumps('ops@[fd00::5]:2200,[fd00::6]', 's')).toEqual([
      {user: 'ops', host: 'fd00::5', port: 2200},
      {user: undefined, host: 'fd00::6', port: undefined},
    ])
  })

  it('strips brackets only around a whole name', () => {
    expect(parseJumps('gw[1', 's')[0]!.host).toBe('gw[1')
    expect(parseJumps('gw]1', 's')[0]!.host).toBe('gw]1')
  })

  it('takes ports 1 to 65535 and refuses others', () => {
    expect(parseJumps('a:1,b:65535', 's').map((hop) => hop.port)).toEqual([1, 65_535])
    for (const port of ['0', '65536']) {
      const error = usageError(() => parseJumps(`a:${port}`, 'f:4'))
      expect(error.message).toBe(`f:4: ProxyJump port ${port} is out of range`)
    }
  })
})

describe('tokens in IdentityFile and UserKnownHostsFile', () => {
  const tokens = {home: '/h', hostName: '10.0.0.7', alias: 'n7', port: 2222, remoteUser: 'ops', localUser: 'me'}

  it('expands %% %d %h %n %p %r %u, then a leading ~', () => {
    expect(expandTokens('%d/%h-%n-%p-%r-%u-100%%', tokens, 's')).toBe('/h/10.0.0.7-n7-2222-ops-me-100%')
    expect(expandTokens('~/k_%%h', tokens, 's')).toBe('/h/k_%h')
    expect(expandTokens('/abs/%%', tokens, 's')).toBe('/abs/%')
  })

  it('expands %% in an IdentityFile line of the config', () => {
    const r = resolveIn('Host n1\n  IdentityFile ~/.ssh/id_%%_%h\n', 'n1')
    expect(r.identityFiles).toEqual([join(r.home, '.ssh', 'id_%_n1')])
  })
})

describe('how a node is reached: cluster.yml, then the SSH config, then defaults', () => {
  function settings(over: Partial<SshSettings> = {}): SshSettings {
    return {
      given: {},
      hostKeyPolicy: 'strict',
      useAgent: true,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 600_000,
      keepaliveIntervalMs: 15_000,
      concurrency: 64,
      ...over,
    }
  }

  function bareNode(over: Partial<ClusterNode> = {}): ClusterNode {
    return {
      name: 'a',
      host: 'n1',
      alias: 'n1',
      port: 22,
      username: ME,
      given: {port: false, username: false},
      source: ['nodes', 0],
      ...over,
    }
  }

  /** Node "a" with cluster.yml host n1 after the SSH config `text` (in a fake HOME) was applied. */
  function applied(text: string, over: Partial<ClusterNode> = {}) {
    const fake = fakeHome(text)
    vi.stubEnv('HOME', fake.home)
    const node = bareNode(over)
    applySshConfig([node], fake.file)
    return {node, ...fake}
  }

  it('gives every setting a value and an origin when the SSH config says only HostName', () => {
    const {node, file, home} = applied('Host n1\n  HostName 10.0.0.1\n')
    expect(nodeReach(node, settings())).toEqual({
      alias: 'n1',
      host: '10.0.0.1',
      port: 22,
      username: ME,
      identityFiles: [],
      useAgent: true,
      knownHostsFiles: [join(home, '.ssh', 'known_hosts')],
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      jumps: [],
      origins: {
        host: `${file}:2`,
        port: 'default',
        username: 'default',
        identityFiles: 'default',
        useAgent: 'default',
        knownHostsFiles: 'default',
        hostKeyPolicy: 'default',
        connectTimeoutMs: 'default',
        keepaliveIntervalMs: 'default',
        proxyJump: 'default',
      },
    })
    // The SSH config gave no Port: the node keeps port 22.
    expect(node.port).toBe(22)
  })

  it('a node without HostName keeps the cluster.yml host, with cluster.yml as its origin', () => {
    const {node} = applied('Host other\n  HostName 10.0.0.1\n')
    const reach = nodeReach(node, settings())
    expect([reach.host, reach.origins.host]).toEqual(['n1', 'cluster.yml'])
  })

  it.each([
    ['yes', 'accept-new', 'strict'],
    ['ask', 'accept-new', 'strict'],
    ['no', 'strict', 'accept-new'],
    ['off', 'strict', 'accept-new'],
    ['accept-new', 'strict', 'accept-new'],
  ] as const)('StrictHostKeyChecking %s means %s -> %s', (value, fallback, policy) => {
    const {node, file} = applied(`Host n1\n  StrictHostKeyChecking ${value}\n`)
    const reach = nodeReach(node, settings({hostKeyPolicy: fallback}))
    expect([reach.hostKeyPolicy, reach.origins.hostKeyPolicy]).toEqual([policy, `${file}:2`])
  })

  it('a hostKeyPolicy stated in cluster.yml wins over StrictHostKeyChecking', () => {
    const {node} = applied('Host n1\n  StrictHostKeyChecking no\n')
    const reach = nodeReach(node, settings({given: {hostKeyPolicy: 'cluster.yml'}}))
    expect([reach.hostKeyPolicy, reach.origins.hostKeyPolicy]).toEqual(['strict', 'cluster.yml'])
  })

  it('IdentitiesOnly yes turns the agent off; otherwise useAgent is cluster.yml’s', () => {
    const only = applied('Host n1\n  IdentitiesOnly yes\n')
    for (const useAgent of [true, false]) {
      const reach = nodeReach(only.node, settings({useAgent}))
      expect([reach.useAgent, reach.origins.useAgent]).toEqual([false, `${only.file}:2`])
    }
    const notOnly = applied('Host n1\n  IdentitiesOnly no\n')
    const on = nodeReach(notOnly.node, settings({useAgent: true}))
    expect([on.useAgent, on.origins.useAgent]).toEqual([true, 'default'])
    // useAgent: false can only come from cluster.yml (the default is true).
    const off = nodeReach(notOnly.node, settings({useAgent: false}))
    expect([off.useAgent, off.origins.useAgent]).toEqual([false, 'cluster.yml'])
  })

  it('keys: the node’s identityFile, then ssh.identityFile, then the SSH config’s IdentityFiles', () => {
    const {node, file, home} = applied('Host n1\n  IdentityFile ~/k1\n  IdentityFile /k2\n')
    const fromConfig = nodeReach(node, settings())
    expect([fromConfig.identityFiles, fromConfig.origins.identityFiles]).toEqual([
      [join(home, 'k1'), '/k2'],
      `${file}:2, ${file}:3`,
    ])
    const fromSsh = nodeReach(node, settings({identityFile: '/cluster/key'}))
    expect([fromSsh.identityFiles, fromSsh.origins.identityFiles]).toEqual([['/cluster/key'], 'cluster.yml'])
    const fromNode = nodeReach({...node, identityFile: '~/node_key'}, settings({identityFile: '/cluster/key'}))
    expect([fromNode.identityFiles, fromNode.origins.identityFiles]).toEqual([[`${home}/node_key`], 'cluster.yml'])
  })

  it('keepalive: cluster.yml, then ServerAliveInterval in seconds, then the default', () => {
    const {node, file} = applied('Host n1\n  ServerAliveInterval 5\n  ConnectTimeout 4\n')
    const fromConfig = nodeReach(node, settings())
    expect([fromConfig.keepaliveIntervalMs, fromConfig.origins.keepaliveIntervalMs]).toEqual([5000, `${file}:2`])
    expect([fromConfig.connectTimeoutMs, fromConfig.origins.connectTimeoutMs]).toEqual([4000, `${file}:3`])
    const given = nodeReach(
      node,
      settings({
        keepaliveIntervalMs: 30_000,
        connectTimeoutMs: 20_000,
        given: {keepaliveIntervalMs: 'cluster.yml', connectTimeoutMs: '--connect-timeout'},
      }),
    )
    expect([given.keepaliveIntervalMs, given.origins.keepaliveIntervalMs]).toEqual([30_000, 'cluster.yml'])
    expect([given.connectTimeoutMs, given.origins.connectTimeoutMs]).toEqual([20_000, '--connect-timeout'])
  })

  it('known_hosts: ssh.knownHostsFile, then UserKnownHostsFile, then ~/.ssh/known_hosts', () => {
    const {node, file} = applied('Host n1\n  UserKnownHostsFile /k/a /k/b\n')
    const fromConfig = nodeReach(node, settings())
    expect([fromConfig.knownHostsFiles, fromConfig.origins.knownHostsFiles]).toEqual([['/k/a', '/k/b'], `${file}:2`])
    const fromCluster = nodeReach(node, settings({knownHostsFile: '/k/cluster'}))
    expect([fromCluster.knownHostsFiles, fromCluster.origins.knownHostsFiles]).toEqual([['/k/cluster'], 'cluster.yml'])
  })

  it('without an SSH config, port and username are the node’s, and there are no jumps', () => {
    const reach = nodeReach(bareNode({port: 2222, username: 'ops'}), settings())
    expect(reach).toMatchObject({host: 'n1', port: 2222, username: 'ops', jumps: []})
    expect(reach.origins).toMatchObject({host: 'cluster.yml', port: 'default', proxyJump: 'default'})
  })

  it('with an SSH config, its Port and User win over values cluster.yml does not state', () => {
    const fake = fakeHome('Host n1\n  Port 2201\n  User ops\n')
    const resolved = resolveSshConfig(parseSshConfig(fake.file, fake.home), 'n1', {home: fake.home, localUser: 'me'})
    const node = bareNode({port: 22, username: 'root', sshConfig: {alias: 'n1', resolved, jumps: []}})
    const reach = nodeReach(node, settings())
    expect([reach.port, reach.username]).toEqual([2201, 'ops'])
    expect([reach.origins.port, reach.origins.username]).toEqual([`${fake.file}:2`, `${fake.file}:3`])
    const stated = nodeReach({...node, given: {port: true, username: true}}, settings())
    expect([stated.port, stated.username, stated.origins.port]).toEqual([22, 'root', 'cluster.yml'])
  })

  it('jump hosts: their own settings, the hop’s user and port, and origins of their own', () => {
    const {node, file} = applied(
      ['Host n1', '  ProxyJump jump@gw:2222,gw2', 'Host gw2', '  User gwuser', '  ServerAliveInterval 3', ''].join(
        '\n',
      ),
    )
    const reach = nodeReach(node, settings())
    expect(reach.origins.proxyJump).toBe(`${file}:2`)
    expect(reach.jumps.map((hop) => [hop.alias, hop.host, hop.username, hop.port, hop.keepaliveIntervalMs])).toEqual([
      ['gw', 'gw', 'jump', 2222, 15_000],
      ['gw2', 'gw2', 'gwuser', 22, 3000],
    ])
    expect(reach.jumps[0]!.origins).toMatchObject({
      host: 'default',
      username: `${file}:2`,
      port: `${file}:2`,
      proxyJump: 'default',
    })
    expect(reach.jumps[1]!.origins).toMatchObject({username: `${file}:4`, port: 'default'})
    expect(chainKey([...reach.jumps, reach])).toBe(`jump@gw:2222 > gwuser@gw2:22 > ${ME}@n1:22`)
    expect(chainKey([])).toBe('')
  })

  it('the report lists every setting with its origin, and the jumps with theirs', () => {
    const {node, file, home} = applied('Host n1\n  HostName 10.0.0.3\n  ProxyJump gw\n')
    const defaults = (host: string, hostFrom: string) => ({
      host: {value: host, from: hostFrom},
      port: {value: 22, from: 'default'},
      username: {value: ME, from: 'default'},
      identityFiles: {value: [], from: 'default'},
      useAgent: {value: true, from: 'default'},
      knownHostsFiles: {value: [join(home, '.ssh', 'known_hosts')], from: 'default'},
      hostKeyPolicy: {value: 'strict', from: 'default'},
      connectTimeoutMs: {value: 10_000, from: 'default'},
      keepaliveIntervalMs: {value: 15_000, from: 'default'},
    })
    expect(reachReport(node, settings())).toEqual({
      ...defaults('10.0.0.3', `${file}:2`),
      proxyJump: {value: ['gw'], from: `${file}:3`},
      jumps: [{alias: 'gw', ...defaults('gw', 'default')}],
    })
  })

  it('an SSH config error names the node, the file:line, and the fix', () => {
    const fake = fakeHome('Host n1\n  Port none\n')
    vi.stubEnv('HOME', fake.home)
    const error = usageError(() => applySshConfig([bareNode()], fake.file))
    expect(error.message).toBe(`node a: ${fake.file}:2: Port must be a whole number from 1 to 65535, got "none"`)
    expect(error.next).toEqual([FIX_LINE])
  })
})

describe('durations in cluster.yml', () => {
  function sshOf(lines: string[]) {
    const text = [
      'name: t',
      'nodes:',
      '  - {name: a, host: 10.0.0.1}',
      'services:',
      ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [a]}`),
      '  storage: {nodes: [a], diskType: dir, replicationFactor: 1}',
      'ssh:',
      '  configFile: none',
      ...lines.map((line) => `  ${line}`),
      '',
    ].join('\n')
    return parseCluster(text, join(tempDir(), 'cluster.yml')).ssh
  }

  it('reads decimals, units and plain nanoseconds', () => {
    expect(durationMs('1.25s')).toBe(1250)
    expect(durationMs('1.5m')).toBe(90_000)
    expect(durationMs(3_000_000_000)).toBe(3000)
    expect(sshOf(['connectTimeout: 2.5s', 'keepaliveInterval: 7000000000']).connectTimeoutMs).toBe(2500)
    expect(sshOf(['keepaliveInterval: 7000000000']).keepaliveIntervalMs).toBe(7000)
  })

  it('accepts the longest timer exactly and refuses one millisecond more', () => {
    expect(sshOf(['connectTimeout: 2147483647ms']).connectTimeoutMs).toBe(2 ** 31 - 1)
    expect(() => sshOf(['connectTimeout: 2147483648ms'])).toThrow(/at most 596h/)
  })
})

describe('config create, node selection and the schema file', () => {
  const base = {name: 'lab', username: 'ops', registry: '', force: false}

  it('refuses a bad cluster name with the characters allowed', async () => {
    const error = await usageErrorOf(() =>
      createConfig({...base, name: 'a b', file: join(tempDir(), 'c.yml'), nodes: []}),
    )
    expect(error.next).toEqual(['Use letters, digits, dot, dash and underscore.'])
  })

  it('writes each node with port 22, fdb on all of exactly three nodes, and no warning for several nodes', async () => {
    const file = join(tempDir(), 'c.yml')
    const result = await createConfig({...base, file, nodes: ['10.0.0.1', '10.0.0.2', '10.0.0.3']})
    expect(result.warnings).toEqual([])
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('  - name: node1\n    host: "10.0.0.1"\n    port: 22\n    username: "ops"\n')
    expect(parseCluster(text, file).services.fdb).toEqual(['node1', 'node2', 'node3'])
  })

  const cluster = parseCluster(
    [
      'name: t',
      'nodes:',
      '  - {name: a, host: 10.0.0.1}',
      '  - {name: b, host: 10.0.0.2}',
      'services:',
      ...['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'].map((service) => `  ${service}: {nodes: [a]}`),
      '  storage: {nodes: [a, b], diskType: dir, replicationFactor: 1}',
      'ssh: {configFile: none}',
      '',
    ].join('\n'),
    'sel.yml',
  )

  it('refuses a service no node runs, saying where to list its nodes', () => {
    const error = usageError(() => selectNodes(cluster, {service: 'grafana'}))
    expect(error.message).toBe('no node in sel.yml runs grafana')
    expect(error.next).toEqual(['List nodes under services.grafana.nodes.'])
  })

  it('refuses an empty --nodes with an example node name, node1 when there is none', () => {
    expect(usageError(() => selectNodes(cluster, {nodes: []})).next).toEqual([
      'Give node names or hosts separated by commas, e.g. --nodes a, or leave --nodes out for every node.',
    ])
    expect(usageError(() => selectNodes({...cluster, nodes: []}, {nodes: []})).next[0]).toContain('--nodes node1,')
  })

  it('lists at most 20 known nodes when no name is close', () => {
    const many = Array.from({length: 25}, (_, i) => ({...cluster.nodes[0]!, name: `n${i + 10}`, host: `10.0.1.${i}`}))
    const error = usageError(() => selectNodes({...cluster, nodes: many}, {nodes: ['zzzzzzzzzz']}))
    expect(error.next).toEqual([
      `Known nodes: ${many
        .map((node) => node.name)
        .slice(0, 20)
        .join(', ')}.`,
    ])
  })

  it('says how to fix a named node that does not run the chosen service', () => {
    const error = usageError(() => selectNodes(cluster, {service: 'fdb', nodes: ['b']}))
    expect(error.message).toBe('--nodes: "b" does not run fdb')
    expect(error.next).toEqual(['Drop --service or pick a node of that service.'])
  })

  it('summarizes a cluster whose file has no storage or mgmtd settings with zero chains, RF and stripe', () => {
    const services = {...cluster.config.services, storage: undefined, mgmtd: undefined}
    const summary = summarizeCluster({...cluster, config: {...cluster.config, services}})
    expect([summary.chains, summary.replicationFactor, summary.stripeSize]).toEqual([0, 0, 0])
  })

  it('refuses a device or an unrelated file as --output, saying what to do', async () => {
    const device = await usageErrorOf(() => writeSchemaFile('/dev/null', '{}', true))
    expect(device.message).toBe('--output /dev/null is not a regular file (a FIFO, socket or device)')
    expect(device.next).toEqual(['Give a file name, e.g. cluster.schema.json.'])
    const file = join(tempDir(), 'notes.json')
    writeFileSync(file, '{}')
    const other = await usageErrorOf(() => writeSchemaFile(file, '{"x": 1}', false))
    expect(other.next).toEqual(['Give another file name, or add --force to replace it.'])
  })
})

describe('did-you-mean suggestions', () => {
  it('edit distance counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('ab', '')).toBe(2)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('a', 'b')).toBe(1)
  })

  it('suggests the first of equally close names', () => {
    expect(closest('ab', ['ax', 'ay'])).toBe('ax')
  })

  it('suggests a name up to max(2, a third of the word’s length) edits away, and none further', () => {
    expect(closest('abcdef', ['abcdxy'])).toBe('abcdxy')
    expect(closest('abcdef', ['abcxyz'])).toBeUndefined()
    expect(closest('abcdefghijkl', ['abcdefghwxyz'])).toBe('abcdefghwxyz')
    expect(closest('abcdefghijkl', ['abcdefgvwxyz'])).toBeUndefined()
  })
})
