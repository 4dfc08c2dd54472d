/**
 * Non-TOML files from templates/ (SQL, XML) with {{name}} placeholders. 3FS's TOML files are rendered
 * from 3FS's own shipped files instead (src/cluster/threefs-config).
 */
import {readFileSync} from 'node:fs'

import {BugError} from '../errors.js'
import {templatePath} from '../paths.js'

/** Non-TOML templates (SQL, XML): values are inserted as they are, so only plain words and numbers are allowed. */
export function renderPlain(path: string, values: Record<string, string | number>): string {
  const text = readFileSync(templatePath(path), 'utf8')
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new BugError(`${path}: no value for {{${key}}}`)
    if (!/^[A-Za-z0-9_]+$/.test(String(value)))
      throw new BugError(`${path}: {{${key}}} must be a plain word, got ${JSON.stringify(value)}`)
    return String(value)
  })
}
