/** Saves a finished run: the JSON result (always) and, when asked, its HTML report. */
import {writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'

import {errorMessage, UserError} from '../../errors.js'
import type {BenchResult} from './model.js'
import {saveResult} from './store.js'

export interface RecordOptions {
  out?: string
  html?: string
  env?: NodeJS.ProcessEnv
}

export interface Recorded {
  path: string
  html?: string
}

export async function recordResult(result: BenchResult, options: RecordOptions): Promise<Recorded> {
  const path = await saveResult(result, {out: options.out, env: options.env})
  if (!options.html) return {path}
  return {path, html: await writeHtmlReport([result], options.html)}
}

export async function writeHtmlReport(results: BenchResult[], file: string): Promise<string> {
  const {renderHtmlReport} = await import('./html.js')
  const path = resolve(file)
  try {
    await writeFile(path, renderHtmlReport(results))
  } catch (error) {
    throw new UserError(`cannot write the HTML report to ${path}: ${errorMessage(error)}`, {
      next: 'Give a writable file with --html.',
      cause: error,
    })
  }
  return path
}
