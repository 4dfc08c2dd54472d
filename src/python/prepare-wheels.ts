/**
 * python prepare-wheels: on a machine that reaches the package index, download every dependency of the
 * two wheels (pip download resolves them as pip install would) into one directory with a SHA256SUMS
 * file; python install --wheelhouse then installs from it with --no-index on clusters without an index.
 * --platform/--python-version fetch binaries for nodes unlike this machine.
 */
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {UserError} from '../errors.js'
import {LocalHost} from '../remote/local-host.js'
import {shellQuote} from '../remote/shell.js'
import {sha256File} from '../remote/upload.js'

export interface PrepareWheelsOptions {
  out: string
  wheels: string[]
  python: string
  platform?: string
  pythonVersion?: string
  signal?: AbortSignal
}

export interface PrepareWheelsResult {
  out: string
  files: Array<{name: string; sha256: string}>
}

export async function prepareWheels(options: PrepareWheelsOptions): Promise<PrepareWheelsResult> {
  const out = resolve(options.out)
  await mkdir(out, {recursive: true})
  const target =
    options.platform || options.pythonVersion
      ? [
          '--only-binary=:all:',
          ...(options.platform ? ['--platform', options.platform] : []),
          ...(options.pythonVersion ? ['--python-version', options.pythonVersion] : []),
        ]
      : []
  const command = [
    options.python,
    '-m',
    'pip',
    'download',
    '--disable-pip-version-check',
    '--dest',
    out,
    ...target,
    ...options.wheels.map((wheel) => resolve(wheel)),
  ]
    .map(shellQuote)
    .join(' ')
  const host = new LocalHost({name: 'local', commandTimeoutMs: 3_600_000})
  try {
    const result = await host.run(command, {signal: options.signal, label: 'pip download'})
    if (result.exitCode !== 0) {
      throw new UserError(
        `pip download failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`,
        {next: 'Run it on a machine that reaches the package index (or set PIP_INDEX_URL to a mirror).'},
      )
    }
  } finally {
    await host.close()
  }
  const names = (await readdir(out)).filter((name) => /\.(whl|tar\.gz|zip)$/.test(name)).sort()
  const files = await Promise.all(names.map(async (name) => ({name, sha256: await sha256File(join(out, name))})))
  await writeFile(join(out, 'SHA256SUMS'), files.map((file) => `${file.sha256}  ${file.name}\n`).join(''))
  return {out, files}
}
