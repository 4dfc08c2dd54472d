/**
 * known_hosts as OpenSSH writes and reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): whitespace and comments,
 * markers, malformed lines, glob metacharacters, hashed entries, and the file's own permissions.
 * These pin the parser's edges that the behaviour tests in known-hosts.test.ts do not reach.
 */
import {mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {KnownHosts, keyTypeOf, parseKnownHosts, patternsMatch} from '../../src/remote/known-hosts.js'

function blob(type: string, seed: string): Buffer {
  const typeBytes = Buffer.from(type)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(typeBytes.length)
  return Buffer.concat([length, typeBytes, Buffer.from(seed.padEnd(32, '.'))])
}

const key = blob('ssh-ed25519', 'node-key')
const keyText = `${keyTypeOf(key)} ${key.toString('base64')}`

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'kh-format-'))
}

async function loaded(text: string): Promise<KnownHosts> {
  const file = join(scratch(), 'known_hosts')
  writeFileSync(file, text)
  const knownHosts = new KnownHosts(file)
  await knownHosts.load()
  return knownHosts
}

describe('known_hosts file format', () => {
  it('reads indented entries, tab and multi-space separators, and skips blank, whitespace-only and comment lines', () => {
    const text = [
      '   ',
      '\t# a comment',
      `  10.0.0.1\t${keyTypeOf(key)}   ${key.toString('base64')}  `,
      '',
      `10.0.0.2 ${keyText} trailing comment`,
    ].join('\n')
    expect(parseKnownHosts(text)).toEqual([
      {line: 3, patterns: '10.0.0.1', keyType: 'ssh-ed25519', keyBase64: key.toString('base64'), marker: undefined},
      {line: 5, patterns: '10.0.0.2', keyType: 'ssh-ed25519', keyBase64: key.toString('base64'), marker: undefined},
    ])
  })

  it('treats only a leading # as a comment: a host whose pattern contains # elsewhere is an entry', () => {
    expect(parseKnownHosts(`host#1 ${keyText}`)).toHaveLength(1)
  })

  it('keeps @revoked and @cert-authority as markers, and skips lines with fewer than three fields', () => {
    const entries = parseKnownHosts(
      [`@cert-authority *.example ${keyText}`, `@revoked * ${keyText}`, '10.0.0.9 ssh-ed25519', '@revoked *'].join(
        '\n',
      ),
    )
    expect(entries.map((entry) => [entry.line, entry.marker, entry.patterns])).toEqual([
      [1, '@cert-authority', '*.example'],
      [2, '@revoked', '*'],
    ])
  })

  it('a @cert-authority line neither verifies a host key nor lists a key type for it', async () => {
    const knownHosts = await loaded(`@cert-authority 10.0.0.1 ${keyText}\n`)
    expect(knownHosts.verify('10.0.0.1', 22, key)).toEqual({status: 'unknown'})
    expect(knownHosts.knownKeyTypes('10.0.0.1', 22)).toEqual([])
  })

  it('a line whose key type field disagrees with its key is not a match for that key', async () => {
    const knownHosts = await loaded(`10.0.0.1 ssh-rsa ${key.toString('base64')}\n`)
    expect(knownHosts.verify('10.0.0.1', 22, key)).toEqual({status: 'unknown'})
  })

  it('globs: ? is exactly one character, dots are literal, case does not matter', () => {
    expect(patternsMatch('10.0.0.?', '10.0.0.7')).toBe(true)
    expect(patternsMatch('10.0.0.?', '10.0.0.')).toBe(false)
    expect(patternsMatch('10.0.0.1', '10a0b0c1')).toBe(false)
    expect(patternsMatch('node+1.example', 'node+1.example')).toBe(true)
    expect(patternsMatch('Node1.Example', 'node1.example')).toBe(true)
    expect(patternsMatch('*.example', 'node1.example.org')).toBe(false)
  })

  it('a negated pattern alone matches nothing', () => {
    expect(patternsMatch('!10.0.0.1', '10.0.0.2')).toBe(false)
  })

  it('a malformed hashed entry (no salt or no hash) matches nothing and does not throw', () => {
    expect(patternsMatch('|1|', '10.0.0.1')).toBe(false)
    expect(patternsMatch('|1|c2FsdA==', '10.0.0.1')).toBe(false)
    expect(patternsMatch('|1|c2FsdA==|', '10.0.0.1')).toBe(false)
  })

  it('reads the file once: a later load keeps what was read', async () => {
    const file = join(scratch(), 'known_hosts')
    writeFileSync(file, `10.0.0.1 ${keyText}\n`)
    const knownHosts = new KnownHosts(file)
    await knownHosts.load()
    writeFileSync(file, '')
    await knownHosts.load()
    expect(knownHosts.verify('10.0.0.1', 22, key)).toEqual({status: 'known'})
  })

  it('an unreadable known_hosts (a directory) is an error, not an empty file', async () => {
    const dir = join(scratch(), 'known_hosts')
    mkdirSync(dir)
    await expect(new KnownHosts(dir).load()).rejects.toMatchObject({code: 'EISDIR'})
  })

  it('creates the file 0600 in a new 0700 directory, as OpenSSH keeps ~/.ssh', async () => {
    const file = join(scratch(), 'new-ssh-dir', 'known_hosts')
    const knownHosts = new KnownHosts(file)
    await knownHosts.load()
    await knownHosts.add('10.0.0.1', 22, key)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700)
    expect(readFileSync(file, 'utf8')).toBe(`10.0.0.1 ${keyText}\n`)
  })
})
