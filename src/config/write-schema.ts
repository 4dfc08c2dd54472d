/** `config schema --output`: writes the schema file without ever replacing a file that is not one. */
import {readFile, stat, writeFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'

/** A file this large is not an earlier schema: it is not read to find out. */
const MAX_SCHEMA_BYTES = 4 * 2 ** 20

async function isEarlierSchema(path: string, size: number): Promise<boolean> {
  if (size > MAX_SCHEMA_BYTES) return false
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as {
      $schema?: unknown
      properties?: {nodes?: unknown; services?: unknown}
    }
    return (
      typeof parsed.$schema === 'string' &&
      parsed.properties?.nodes !== undefined &&
      parsed.properties.services !== undefined
    )
  } catch {
    return false
  }
}

/** Writes `text` to `path`: a new file, an earlier cluster.yml schema, or (with force) any regular file. */
export async function writeSchemaFile(path: string, text: string, force: boolean): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (info && !info.isFile())
    throw new UsageError(
      `--output ${path} is not a regular file (${info.isDirectory() ? 'a directory' : 'a FIFO, socket or device'})`,
      {next: 'Give a file name, e.g. cluster.schema.json.'},
    )
  if (info && !force && !(await isEarlierSchema(path, info.size))) {
    throw new UsageError(`--output ${path} exists and is not a cluster.yml schema: it is not replaced`, {
      next: 'Give another file name, or add --force to replace it.',
    })
  }
  try {
    await writeFile(path, text)
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${(error as Error).message}`, {
      next: 'Give a file in a directory you can write to.',
    })
  }
}
