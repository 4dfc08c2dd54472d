import {createHmac, randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {hostKeyName, KnownHosts, keyTypeOf, patternsMatch} from '../../src/remote/known-hosts.js'

/** An SSH wire-format key blob: string type, then opaque bytes. */
function blob(type: string, seed: string): Buffer {
  const typeBytes = Buffer.from(type)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(typeBytes.length)
  return Buffer.concat([length, typeBytes, Buffer.from(seed.padEnd(32, '.'))])
}

function hashed(name: string): string {
  const salt = randomBytes(20)
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

async function knownHostsWith(lines: string[]): Promise<KnownHosts> {
  const file = join(mkdtempSync(join(tmpdir(), 'kh-')), 'known_hosts')
  writeFileSync(file, lines.join('\n'))
  const knownHosts = new KnownHosts(file)
  await knownHosts.load()
  return knownHosts
}

describe('known_hosts', () => {
  const key = blob('ssh-ed25519', 'node-key')
  const other = blob('ssh-ed25519', 'attacker-key')
  const line = (pattern: string, k = key) => `${pattern} ${keyTypeOf(k)} ${k.toString('base64')}`

  it('names hosts as OpenSSH does: bare on port 22, [host]:port elsewhere', () => {
    expect(hostKeyName('10.0.0.1', 22)).toBe('10.0.0.1')
    expect(hostKeyName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222')
  })

  it('matches plain, comma-separated, wildcard, negated and hashed patterns', () => {
    expect(patternsMatch('a.example,10.0.0.1', '10.0.0.1')).toBe(true)
    expect(patternsMatch('10.0.0.*', '10.0.0.7')).toBe(true)
    expect(patternsMatch('10.0.0.?', '10.0.0.17')).toBe(false)
    expect(patternsMatch('10.0.0.*,!10.0.0.7', '10.0.0.7')).toBe(false)
    expect(patternsMatch(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222')).toBe(true)
    expect(patternsMatch(hashed('[10.0.0.1]:2222'), '10.0.0.1')).toBe(false)
  })

  it('tells known, unknown, changed and revoked keys apart', async () => {
    const knownHosts = await knownHostsWith([
      '# comment',
      line('10.0.0.1'),
      line(hashed('[10.0.0.2]:2200')),
      `@revoked * ${keyTypeOf(other)} ${other.toString('base64')}`,
    ])
    expect(knownHosts.verify('10.0.0.1', 22, key)).toEqual({status: 'known'})
    expect(knownHosts.verify('10.0.0.2', 2200, key)).toEqual({status: 'known'})
    expect(knownHosts.verify('10.0.0.3', 22, key)).toEqual({status: 'unknown'})
    expect(knownHosts.verify('10.0.0.1', 22, blob('ssh-ed25519', 'new-key'))).toEqual({
      status: 'changed',
      file: knownHosts.file,
      line: 2,
      keyType: 'ssh-ed25519',
    })
    expect(knownHosts.verify('10.0.0.1', 22, other)).toEqual({status: 'revoked', file: knownHosts.file, line: 4})
    // A key of another type is not a change: the host may simply have several host keys.
    expect(knownHosts.verify('10.0.0.1', 22, blob('ecdsa-sha2-nistp256', 'x'))).toEqual({status: 'unknown'})
    expect(knownHosts.knownKeyTypes('10.0.0.1', 22)).toEqual(['ssh-ed25519'])
  })

  it('appends new keys in OpenSSH format, one line per host even when many nodes add at once', async () => {
    const knownHosts = await knownHostsWith([])
    await Promise.all(
      Array.from({length: 50}, (_, index) => knownHosts.add(`10.0.1.${index}`, 2222, blob('ssh-ed25519', `k${index}`))),
    )
    const lines = readFileSync(knownHosts.file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(50)
    for (const entry of lines) expect(entry).toMatch(/^\[10\.0\.1\.\d+\]:2222 ssh-ed25519 [A-Za-z0-9+/=]+$/)
    expect(new Set(lines).size).toBe(50)
    expect(knownHosts.verify('10.0.1.3', 2222, blob('ssh-ed25519', 'k3'))).toEqual({status: 'known'})
  })

  it('treats a missing file as empty', async () => {
    const knownHosts = new KnownHosts('/nonexistent/dir/known_hosts')
    await knownHosts.load()
    expect(knownHosts.verify('h', 22, key)).toEqual({status: 'unknown'})
  })
})
