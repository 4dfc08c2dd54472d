/** Runs the built CLI (bin/run.js) as a user would, with a private HOME and no ssh-agent. */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa} from 'execa'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(ROOT, 'bin', 'run.js')
const HOME = mkdtempSync(join(tmpdir(), '3fs-cli-home-'))

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  durationMs: number
  /** stdout parsed as JSON (when it is JSON). */
  json: any
}

export async function runCli(
  args: string[],
  options: {env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number} = {},
): Promise<CliResult> {
  const started = performance.now()
  const result = await execa('node', [BIN, ...args], {
    reject: false,
    cwd: options.cwd ?? ROOT,
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
    env: cleanEnv({...process.env, HOME, SSH_AUTH_SOCK: undefined, CI: undefined, NO_COLOR: '1', ...options.env}),
    extendEnv: false,
  })
  let json: unknown
  try {
    json = JSON.parse(result.stdout)
  } catch {
    json = undefined
  }
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: performance.now() - started,
    json,
  }
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}
