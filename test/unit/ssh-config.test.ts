import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/errors.js'
import {parseJumps, parseSshConfig, patternListMatches, resolveSshConfig} from '../../src/config/ssh-config.js'

/** A fake home with ~/.ssh/config holding `text`; other files under ~/.ssh from `extra`. */
function home(text: string, extra: Record<string, string> = {}): {home: string; file: string} {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-config-'))
  mkdirSync(join(dir, '.ssh', 'conf.d'), {recursive: true})
  const file = join(dir, '.ssh', 'config')
  writeFileSync(file, text)
  for (const [name, body] of Object.entries(extra)) writeFileSync(join(dir, '.ssh', name), body)
  return {home: dir, file}
}

function resolve(text: string, alias: string, extra: Record<string, string> = {}) {
  const fake = home(text, extra)
  return {...resolveSshConfig(parseSshConfig(fake.file, fake.home), alias, {home: fake.home, localUser: 'me'}), fake}
}

describe('ssh_config(5) patterns', () => {
  it('a negated pattern excludes the host even when another pattern matches', () => {
    expect(patternListMatches(['node*', '!node9'], 'node1')).toBe(true)
    expect(patternListMatches(['node*', '!node9'], 'node9')).toBe(false)
    expect(patternListMatches(['!node9'], 'node1')).toBe(false) // only negations never match
    expect(patternListMatches(['n?de1'], 'NODE1')).toBe(true)
  })
})

describe('resolving a host from ssh config', () => {
  it('takes the first obtained value and accumulates IdentityFile with tokens expanded', () => {
    const r = resolve(
      [
        'Host node1',
        '  HostName 10.0.0.11',
        '  User=ops',
        '  IdentityFile ~/.ssh/id_%h_%r',
        'Host node*',
        '  User other',
        '  Port 2222',
        '  IdentityFile "%d/keys/%n %p"',
        'Host *',
        '  Port 22',
        '  IdentitiesOnly yes',
        '  ConnectTimeout 7',
        '  ServerAliveInterval 0',
        '  StrictHostKeyChecking accept-new',
        '  UserKnownHostsFile ~/.ssh/kh_%u',
      ].join('\n'),
      'node1',
    )
    expect(r.hostName).toBe('10.0.0.11')
    expect(r.user).toBe('ops')
    expect(r.port).toBe(2222)
    expect(r.identityFiles).toEqual([join(r.fake.home, '.ssh/id_10.0.0.11_ops'), `${r.fake.home}/keys/node1 2222`])
    expect(r.identitiesOnly).toBe(true)
    expect(r.connectTimeoutSeconds).toBe(7)
    expect(r.serverAliveIntervalSeconds).toBe(0)
    expect(r.strictHostKeyChecking).toBe('accept-new')
    expect(r.userKnownHostsFile).toEqual([join(r.fake.home, '.ssh/kh_me')])
    expect(r.sources.user).toBe(`${r.fake.file}:3`)
    expect(r.sources.port).toBe(`${r.fake.file}:7`)
    expect(r.sources.identityFiles).toBe(`${r.fake.file}:4, ${r.fake.file}:8`)
  })

  it('an alias no block names keeps its own name and no settings', () => {
    const r = resolve('Host other\n  User x\n', 'node1')
    expect(r).toMatchObject({hostName: 'node1', identityFiles: [], proxyJump: [], sources: {}})
    expect([r.user, r.port]).toEqual([undefined, undefined])
  })

  it('Match host compares the HostName already obtained; Match originalhost the alias', () => {
    const text = [
      'Host n1',
      '  HostName 10.1.2.3',
      'Match host 10.1.*',
      '  User fromhost',
      'Match originalhost n1',
      '  Port 2200',
    ].join('\n')
    const r = resolve(text, 'n1')
    expect(r.user).toBe('fromhost')
    expect(r.port).toBe(2200)
    expect(resolve(text, 'n2').user).toBeUndefined()
    expect(resolve('Match !host bastion\n  ProxyJump bastion\n', 'bastion').proxyJump).toEqual([])
  })

  it('Include pulls files in place relative to ~/.ssh, globbing the file name, in sorted order', () => {
    const r = resolve('Include conf.d/*.conf\nHost *\n  User late\n', 'db1', {
      'conf.d/b.conf': 'Host db*\n  User b\n',
      'conf.d/a.conf': 'Host db*\n  Port 2022\n  User a\n',
    })
    expect(r.user).toBe('a')
    expect(r.port).toBe(2022)
    expect(r.sources.user).toMatch(/a\.conf:3$/)
  })

  it('lines after an Include belong to the enclosing block again, not to a Host the included file opened', () => {
    const r = resolve('Host web1\n  Include extra.conf\n  User afterinclude\n', 'db1', {
      'extra.conf': 'Host db*\n  Port 2022\n',
    })
    expect(r.port).toBe(2022)
    expect(r.user).toBeUndefined()
    expect(
      resolve('Host web1\n  Include extra.conf\n  User afterinclude\n', 'web1', {
        'extra.conf': 'Host db*\n  Port 2022\n',
      }).user,
    ).toBe('afterinclude')
  })

  it('each included file starts in the enclosing block, not in a Host the previous included file opened', () => {
    const r = resolve('Include conf.d/*.conf\n', 'db1', {
      'conf.d/a.conf': 'Host web*\n  Port 1\n',
      'conf.d/b.conf': 'User top\n',
    })
    expect([r.user, r.port]).toEqual(['top', undefined])
  })

  it('ProxyJump chains, none, and the first value wins over a later wildcard', () => {
    expect(parseJumps('ops@b1:2201,b2', 'x')).toEqual([
      {user: 'ops', host: 'b1', port: 2201},
      {user: undefined, host: 'b2', port: undefined},
    ])
    expect(resolve('Host bastion\n  ProxyJump none\nHost *\n  ProxyJump bastion\n', 'bastion').proxyJump).toEqual([])
    expect(resolve('Host bastion\n  ProxyJump none\nHost *\n  ProxyJump bastion\n', 'n1').proxyJump).toEqual([
      {user: undefined, host: 'bastion', port: undefined},
    ])
  })

  it('ignores keywords 3fs-cli does not resolve, as a real ~/.ssh/config has many', () => {
    expect(resolve('Host *\n  ForwardAgent yes\n  AddKeysToAgent yes\n  User u\n', 'a').user).toBe('u')
  })

  it.each([
    ['Host n1\n  Port 99999\n', 2, /Port must be a whole number/],
    ['Host n1\n  User "ops\n', 2, /unterminated quote/],
    ['Host n1\n  HostName a b\n', 2, /takes exactly one value/],
    ['Match exec "true"\n', 1, /Match exec is not supported/],
    ['Host n1\n  IdentityFile ~/.ssh/%C\n', 2, /token %C is not supported/],
    ['Host n1\n  ProxyJump a@@b\n', 2, /is not \[user@\]host\[:port\]/],
    ['Host\n', 1, /Host needs at least one pattern/],
    ['Host n1\n  IdentitiesOnly maybe\n', 2, /yes or no/],
  ])('a bad line names file:line: %j', (text, line, message) => {
    const fake = home(text)
    const run = () => resolveSshConfig(parseSshConfig(fake.file, fake.home), 'n1', {home: fake.home, localUser: 'me'})
    expect(run).toThrow(UsageError)
    expect(run).toThrow(`${fake.file}:${line}: `)
    expect(run).toThrow(message)
  })

  it('a missing configured file is a UsageError; a missing Include is skipped as ssh does', () => {
    expect(() => parseSshConfig('/nonexistent/ssh_config')).toThrow(/Cannot read SSH config/)
    expect(resolve('Include nothing-here\nHost *\n  User u\n', 'x').user).toBe('u')
  })
})
