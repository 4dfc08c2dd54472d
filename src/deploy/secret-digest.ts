/**
 * Digests of content that holds a secret (the ClickHouse password in clickhouse.env and the monitor's
 * config). A plain SHA-256 of such a file in a plan lets anyone holding the plan test password guesses
 * offline: everything else in the file is known. These digests are keyed (HMAC-SHA256) with a random key
 * kept on this machine, so they still change when the secret changes but tell a reader of the plan nothing.
 * A deploy from another machine has another key: its secret-holding actions then run once more.
 */
import {createHmac, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'

const KEY_BYTES = 32
let cached: Buffer | undefined

export function digestKeyPath(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), '3fs-cli', 'secret-digest.key')
}

function readKey(path: string): Buffer | undefined {
  try {
    const key = readFileSync(path)
    return key.length >= KEY_BYTES ? key : undefined
  } catch {
    return undefined
  }
}

function digestKey(): Buffer {
  if (cached) return cached
  const path = digestKeyPath()
  cached = readKey(path)
  if (cached) return cached
  const fresh = randomBytes(KEY_BYTES)
  try {
    mkdirSync(dirname(path), {recursive: true, mode: 0o700})
    // 'wx': a key another run wrote meanwhile wins, so two runs never disagree.
    writeFileSync(path, fresh, {mode: 0o600, flag: 'wx'})
  } catch {
    // Unwritable home: this run's key lives in memory only (secret actions then re-run next time).
  }
  cached = readKey(path) ?? fresh
  return cached
}

/** A keyed digest (hex) of text that holds a secret. */
export function secretDigest(text: string): string {
  return createHmac('sha256', digestKey()).update(text).digest('hex')
}
