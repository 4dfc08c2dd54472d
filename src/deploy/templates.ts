/**
 * 3FS config files from templates/3fs: TOML with {{name}} placeholders (filled with TOML values),
 * {{#if name}}...{{/if}} blocks and {{> partial.toml}} includes. Only keys that must be set are in the
 * templates; 3FS keeps its defaults for the rest (and rejects unknown keys, which a test checks).
 */
import {readFileSync} from 'node:fs'

import {BugError} from '../errors.js'
import {templatePath} from '../paths.js'

export type TomlValue = string | number | boolean | TomlValue[]

export function tomlValue(value: TomlValue): string {
  if (Array.isArray(value)) return `[ ${value.map(tomlValue).join(', ')} ]`
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BugError(`TOML cannot hold ${value}`)
    return Number.isInteger(value) ? String(value) : value.toString()
  }
  if (typeof value === 'boolean') return String(value)
  // Literal strings need no escaping; fall back to a basic string for quotes and control characters.
  if (!/['\n\r\t\\\u0000-\u001f]/.test(value)) return `'${value}'`
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`
}

const cache = new Map<string, string>()

function load(name: string): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = readFileSync(templatePath(`3fs/${name}`), 'utf8')
    cache.set(name, text)
  }
  return text
}

export function renderTemplate(name: string, values: Record<string, TomlValue | undefined>): string {
  return renderText(load(name), values, name)
}

export function renderText(text: string, values: Record<string, TomlValue | undefined>, name = 'template'): string {
  const withPartials = text.replace(/\{\{>\s*([\w.-]+)\s*\}\}/g, (_, partial: string) => load(partial).replace(/^#.*\n/gm, ''))
  const withBlocks = withPartials.replace(/\{\{#if (\w+)\}\}\n?([\s\S]*?)\{\{\/if\}\}\n?/g, (_, key: string, body: string) => (values[key] ? body : ''))
  const rendered = withBlocks.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new BugError(`${name}: no value for {{${key}}}`)
    return tomlValue(value)
  })
  return `${rendered.replace(/\n{3,}/g, '\n\n').trim()}\n`
}

/** Non-TOML templates (SQL, XML): values are inserted as they are, so only plain words and numbers are allowed. */
export function renderPlain(path: string, values: Record<string, string | number>): string {
  const text = readFileSync(templatePath(path), 'utf8')
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new BugError(`${path}: no value for {{${key}}}`)
    if (!/^[A-Za-z0-9_]+$/.test(String(value))) throw new BugError(`${path}: {{${key}}} must be a plain word, got ${JSON.stringify(value)}`)
    return String(value)
  })
}
