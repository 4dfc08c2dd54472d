/**
 * known_hosts in OpenSSH's format: plain and hashed (|1|salt|hmac) host patterns, [host]:port for
 * non-standard ports, wildcards, negation and @revoked markers. Used to verify every host key.
 */
import {createHmac} from 'node:crypto'
import {appendFile, mkdir, readFile} from 'node:fs/promises'
import {dirname} from 'node:path'

export interface KnownHostEntry {
  /** The file it was read from (absent for the file-less entries of parseKnownHosts callers). */
  file?: string
  line: number
  patterns: string
  keyType: string
  keyBase64: string
  marker?: '@revoked' | '@cert-authority'
}

export type HostKeyVerdict =
  | {status: 'known'}
  | {status: 'unknown'}
  | {status: 'changed'; file: string; line: number; keyType: string}
  | {status: 'revoked'; file: string; line: number}

/** The name under which OpenSSH records a host: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/** The key type string inside an SSH wire-format public key blob (e.g. ssh-ed25519). */
export function keyTypeOf(blob: Buffer): string {
  const length = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + length).toString('latin1')
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    let marker: KnownHostEntry['marker']
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker']
    const [patterns, keyType, keyBase64] = fields
    if (!patterns || !keyType || !keyBase64) continue
    entries.push({line: index + 1, patterns, keyType, keyBase64, marker})
  }
  return entries
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`, 'i')
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|')
  if (!salt || !hash) return false
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
}

/** Whether a host-pattern field (comma-separated, possibly hashed or negated) names this host. */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatch(patterns, name)
  let matched = false
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!')
    const body = negated ? pattern.slice(1) : pattern
    if (globToRegExp(body).test(name)) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

/**
 * One or more known_hosts files read together (UserKnownHostsFile may list several); new keys are
 * recorded in the first, as OpenSSH does.
 */
export class KnownHosts {
  private entries: KnownHostEntry[] = []
  private loaded = false
  private appendChain: Promise<void> = Promise.resolve()
  readonly files: string[]

  constructor(files: string | string[]) {
    this.files = typeof files === 'string' ? [files] : files
  }

  /** The file new keys are written to, and named in messages about unknown keys. */
  get file(): string {
    return this.files[0]!
  }

  async load(): Promise<void> {
    if (this.loaded) return
    const entries: KnownHostEntry[] = []
    for (const file of this.files) {
      try {
        for (const entry of parseKnownHosts(await readFile(file, 'utf8'))) entries.push({...entry, file})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    this.entries = entries
    this.loaded = true
  }

  /** Key types recorded for the host, so the handshake can prefer a key we can verify. */
  knownKeyTypes(host: string, port: number): string[] {
    const name = hostKeyName(host, port)
    return this.entries
      .filter((entry) => !entry.marker && patternsMatch(entry.patterns, name))
      .map((entry) => entry.keyType)
  }

  verify(host: string, port: number, blob: Buffer): HostKeyVerdict {
    const name = hostKeyName(host, port)
    const keyType = keyTypeOf(blob)
    const keyBase64 = blob.toString('base64')
    const revoked = this.entries.find((entry) => entry.marker === '@revoked' && entry.keyBase64 === keyBase64)
    if (revoked) return {status: 'revoked', file: revoked.file ?? this.file, line: revoked.line}
    const forHost = this.entries.filter((entry) => !entry.marker && patternsMatch(entry.patterns, name))
    if (forHost.some((entry) => entry.keyType === keyType && entry.keyBase64 === keyBase64)) return {status: 'known'}
    const changed = forHost.find((entry) => entry.keyType === keyType)
    if (changed) return {status: 'changed', file: changed.file ?? this.file, line: changed.line, keyType}
    return {status: 'unknown'}
  }

  /** Records a newly trusted key; appends are serialised so concurrent nodes do not interleave lines. */
  async add(host: string, port: number, blob: Buffer): Promise<void> {
    const entry: KnownHostEntry = {
      file: this.file,
      line: 0,
      patterns: hostKeyName(host, port),
      keyType: keyTypeOf(blob),
      keyBase64: blob.toString('base64'),
    }
    this.entries.push(entry)
    this.appendChain = this.appendChain.then(async () => {
      await mkdir(dirname(this.file), {recursive: true, mode: 0o700})
      await appendFile(this.file, `${entry.patterns} ${entry.keyType} ${entry.keyBase64}\n`, {mode: 0o600})
    })
    await this.appendChain
  }
}
