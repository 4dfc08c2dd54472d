/**
 * Shell completion (issue 17): `3fs-cli completion bash|zsh` builds the autocomplete plugin's functions
 * and prints setup lines a shell accepts; real bash then completes 3fs-cli's commands and flags.
 */
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const home = mkdtempSync(join(tmpdir(), '3fs-cli-completion-'))
const env = {HOME: home, XDG_CACHE_HOME: join(home, 'cache')}

/** What bash offers for the words typed so far (the last one being completed). */
async function complete(setup: string, words: string[]): Promise<string[]> {
  const script = [
    setup,
    `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '_3fs-cli_autocomplete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n')
  const result = await execa('bash', ['-c', script], {env: {...process.env, ...env}})
  return result.stdout.split('\n').filter(Boolean)
}

describe('shell completion', () => {
  it('bash: the printed lines turn on completion of commands and flags', async () => {
    const result = await runCli(['completion', 'bash'], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    const setup = result.stdout
    expect(setup).toContain(join(home, 'cache', '3fs-cli', 'autocomplete', 'functions', 'bash', '3fs-cli.bash'))
    const registered = await execa('bash', ['-c', `${setup}\ncomplete -p 3fs-cli`], {env: {...process.env, ...env}})
    expect(registered.stdout).toContain('-F _3fs-cli_autocomplete 3fs-cli')
    expect(await complete(setup, ['3fs-cli', 'des'])).toEqual(['destroy'])
    expect(await complete(setup, ['3fs-cli', 'exec', '--accept'])).toEqual(['--accept-new-host-keys'])
  })

  it('zsh: the printed lines put the completion function on fpath', async () => {
    const result = await runCli(['completion', 'zsh', '--json'], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    const functions = join(home, 'cache', '3fs-cli', 'autocomplete', 'functions', 'zsh')
    expect(result.json.lines[0]).toBe(`fpath=('${functions}' $fpath)`)
    const zsh = readFileSync(join(functions, '_3fs-cli'), 'utf8')
    expect(zsh).toMatch(/^#compdef 3fs-cli/)
    expect(zsh).toContain('--accept-new-host-keys')
    expect(existsSync(join(functions, '_3fs-cli'))).toBe(true)
  })
})
