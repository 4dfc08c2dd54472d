/** Where results are kept: --out FILE, else $XDG_CACHE_HOME/3fs-cli/results (default ~/.cache/...). */
import {randomBytes} from 'node:crypto'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

import {errorMessage, UsageError, UserError} from '../../errors.js'
import type {BenchResult} from './model.js'
import {RESULT_SCHEMA_VERSION} from './version.js'

export function resultsDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache =
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/')
      ? env.XDG_CACHE_HOME
      : join(env.HOME || homedir(), '.cache')
  return join(cache, '3fs-cli', 'results')
}

/** graysort-run-20261202-183012-1a2b.json: sorts by time within a kind, unique within a second. */
export function resultFileName(result: Pick<BenchResult, 'kind' | 'createdAt'>): string {
  const stamp = result.createdAt
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-')
  return `${result.kind}-${stamp}-${randomBytes(2).toString('hex')}.json`
}

export interface SaveOptions {
  /** --out: this file instead of the cache directory. */
  out?: string
  env?: NodeJS.ProcessEnv
}

export async function saveResult(result: BenchResult, options: SaveOptions = {}): Promise<string> {
  const path = options.out ? resolve(options.out) : join(resultsDir(options.env), resultFileName(result))
  try {
    await mkdir(dirname(path), {recursive: true})
    // Built by the typed builders (build.ts); readers validate with zod, which saving does not load.
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`)
  } catch (error) {
    throw new UserError(`cannot save the result to ${path}: ${errorMessage(error)}`, {
      next: 'Give a writable file with --out.',
      cause: error,
    })
  }
  return path
}

export async function loadResult(path: string): Promise<BenchResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${errorMessage(error)}`, {
      next: 'Give a result file saved by a bench command (see --out).',
    })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${errorMessage(error)}`, {
      next: 'Give a result file saved by a bench command (see --out).',
    })
  }
  if (typeof data === 'object' && data !== null && 'schema' in data && data.schema !== RESULT_SCHEMA_VERSION) {
    throw new UsageError(
      `${path} is a result of schema ${String(data.schema)}; this 3fs-cli reads schema ${RESULT_SCHEMA_VERSION}`,
      {next: 'Use the 3fs-cli version that saved it.'},
    )
  }
  const {benchResultSchema} = await import('./model.js')
  const parsed = benchResultSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
    throw new UsageError(`${path} is not a bench result: ${issues.join('; ')}`, {
      next: 'Give a result file saved by a bench command (see --out).',
    })
  }
  return parsed.data
}
