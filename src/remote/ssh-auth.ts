/**
 * The authentication methods tried for a node, in OpenSSH's order: ssh-agent, identity files
 * (ed25519, ecdsa, rsa; encrypted ones with a passphrase asked once per file when interactive),
 * then password and keyboard-interactive with the configured password.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import ssh2 from 'ssh2'
import type {AnyAuthMethod} from 'ssh2'

import {registerSecret} from '../log.js'

export type PassphrasePrompt = (keyFile: string) => Promise<string | undefined>

export interface AuthCandidate {
  method: AnyAuthMethod
  /** For error messages: "agent", "key ~/.ssh/id_ed25519", "password". */
  label: string
}

export interface AuthSettings {
  username: string
  password?: string
  /** Explicit identity files (cluster.yml, else IdentityFile lines); when any, default keys are not tried. */
  identityFiles: string[]
  useAgent: boolean
}

export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/** Loads and decrypts private keys once per file, whichever node needs them first. */
export class KeyStore {
  private readonly keys = new Map<string, Promise<{key?: Buffer; passphrase?: string; problem?: string}>>()

  constructor(private readonly prompt?: PassphrasePrompt) {}

  load(file: string): Promise<{key?: Buffer; passphrase?: string; problem?: string}> {
    let entry = this.keys.get(file)
    if (!entry) {
      entry = this.read(file)
      this.keys.set(file, entry)
    }
    return entry
  }

  private async read(file: string): Promise<{key?: Buffer; passphrase?: string; problem?: string}> {
    let key: Buffer
    try {
      key = await readFile(file)
    } catch (error) {
      return {problem: `cannot read ${file}: ${(error as Error).message}`}
    }
    const plain = ssh2.utils.parseKey(key)
    if (!(plain instanceof Error)) return {key}
    if (!/passphrase|encrypted/i.test(plain.message))
      return {problem: `${file} is not a usable private key: ${plain.message}`}
    if (!this.prompt)
      return {problem: `${file} is encrypted; add it to ssh-agent or run interactively to enter its passphrase`}
    const passphrase = await this.prompt(file)
    if (passphrase === undefined) return {problem: `${file} is encrypted and no passphrase was given`}
    registerSecret(passphrase)
    const decrypted = ssh2.utils.parseKey(key, passphrase)
    if (decrypted instanceof Error) return {problem: `wrong passphrase for ${file}`}
    return {key, passphrase}
  }
}

export async function authCandidates(
  settings: AuthSettings,
  keys: KeyStore,
): Promise<{candidates: AuthCandidate[]; problems: string[]}> {
  const candidates: AuthCandidate[] = []
  const problems: string[] = []
  const {username} = settings
  const agent = process.env.SSH_AUTH_SOCK
  if (settings.useAgent && agent && existsSync(agent))
    candidates.push({method: {type: 'agent', username, agent}, label: 'ssh-agent'})

  const files = settings.identityFiles.length
    ? settings.identityFiles
    : DEFAULT_IDENTITY_FILES.map((name) => join(homedir(), '.ssh', name)).filter((file) => existsSync(file))
  for (const file of files) {
    const loaded = await keys.load(file)
    if (loaded.key)
      candidates.push({
        method: {type: 'publickey', username, key: loaded.key, passphrase: loaded.passphrase},
        label: `key ${file}`,
      })
    else if (loaded.problem) problems.push(loaded.problem)
  }

  if (settings.password !== undefined) {
    const password = settings.password
    registerSecret(password)
    candidates.push({method: {type: 'password', username, password}, label: 'password'})
    candidates.push({
      method: {
        type: 'keyboard-interactive',
        username,
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
      },
      label: 'keyboard-interactive',
    })
  }
  return {candidates, problems}
}
