/**
 * TOML value literals as 3FS's shipped files write them (one line each): strings in single or double
 * quotes, integers, floats, booleans and one-line arrays of those. The renderer keeps a shipped literal
 * as it is and writes a changed value in the same TOML type, because 3FS's config loader refuses a value
 * of another type than its config item (a port given as 9000 where the item is a string, say).
 */
import {BugError} from '../../errors.js'

export type TomlValue = string | number | boolean | TomlValue[]
export type LiteralType = 'string' | 'integer' | 'float' | 'boolean' | 'array'

export function literalType(literal: string): LiteralType {
  if (literal.startsWith("'") || literal.startsWith('"')) return 'string'
  if (literal.startsWith('[')) return 'array'
  if (literal === 'true' || literal === 'false') return 'boolean'
  if (/^[+-]?\d+$/.test(literal.replace(/_/g, ''))) return 'integer'
  if (/^[+-]?(\d[\d_]*)(\.\d[\d_]*)?([eE][+-]?\d+)?$|^[+-]?(inf|nan)$/.test(literal)) return 'float'
  throw new BugError(`not a one-line TOML literal: ${literal}`)
}

/** Parses a literal of the shipped files (enough TOML for them; anything else is a BugError). */
export function parseLiteral(literal: string): TomlValue {
  const [value, rest] = parseAt(literal.trim(), 0)
  if (literal.trim().slice(rest).trim() !== '') throw new BugError(`trailing text after a TOML literal: ${literal}`)
  return value
}

function parseAt(text: string, start: number): [TomlValue, number] {
  let index = start
  while (text[index] === ' ') index++
  const char = text[index]
  if (char === "'") {
    const end = text.indexOf("'", index + 1)
    if (end < 0) throw new BugError(`unterminated string: ${text}`)
    return [text.slice(index + 1, end), end + 1]
  }
  if (char === '"') {
    let out = ''
    for (let at = index + 1; at < text.length; at++) {
      const c = text[at]!
      if (c === '"') return [out, at + 1]
      if (c !== '\\') {
        out += c
        continue
      }
      const next = text[++at]
      const simple: Record<string, string> = {n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f'}
      if (next !== undefined && next in simple) out += simple[next]
      else if (next === 'u' || next === 'U') {
        const width = next === 'u' ? 4 : 8
        out += String.fromCodePoint(Number.parseInt(text.slice(at + 1, at + 1 + width), 16))
        at += width
      } else throw new BugError(`bad escape in ${text}`)
    }
    throw new BugError(`unterminated string: ${text}`)
  }
  if (char === '[') {
    const items: TomlValue[] = []
    index++
    for (;;) {
      while (text[index] === ' ' || text[index] === ',') index++
      if (text[index] === ']') return [items, index + 1]
      if (index >= text.length) throw new BugError(`unterminated array: ${text}`)
      const [item, next] = parseAt(text, index)
      items.push(item)
      index = next
    }
  }
  const token = /^[^\s,\]]+/.exec(text.slice(index))?.[0] ?? ''
  const type = literalType(token)
  if (type === 'boolean') return [token === 'true', index + token.length]
  return [Number(token.replace(/_/g, '')), index + token.length]
}

/** Writes a value as a literal of the given type (the type of the shipped literal it replaces). */
export function formatLiteral(value: TomlValue, type: LiteralType, where: string): string {
  const mismatch = () => new BugError(`${where}: 3FS expects a ${type} here, 3fs-cli gave ${JSON.stringify(value)}`)
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw mismatch()
      return formatString(value)
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch()
      return String(value)
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw mismatch()
      return Number.isInteger(value) ? `${value}.0` : String(value)
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch()
      return String(value)
    case 'array':
      if (!Array.isArray(value)) throw mismatch()
      return `[ ${value.map((item) => formatLiteral(item, typeOfValue(item), where)).join(', ')} ]`
  }
}

export function typeOfValue(value: TomlValue): LiteralType {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'boolean'
  return Number.isInteger(value) ? 'integer' : 'float'
}

function formatString(value: string): string {
  // Literal strings need no escaping; a basic string for quotes and control characters.
  // eslint-disable-next-line no-control-regex -- matches control characters on purpose
  if (!/['\\\u0000-\u001f\u007f]/.test(value)) return `'${value}'`
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    // eslint-disable-next-line no-control-regex -- matches control characters on purpose
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `"${escaped}"`
}
