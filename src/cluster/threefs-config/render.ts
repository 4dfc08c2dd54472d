/**
 * Renders one of 3FS's config files whole: every section, key and value of the shipped file, in its
 * order, with only the deployment's keys changed. A key is addressed by its dotted path; an element of
 * an array of tables by `[index]` or by one of its shipped values, `[network_type=RDMA]`, which stays
 * right if a later 3FS commit reorders the elements. A key the shipped file does not have is a bug
 * (3FS rejects unknown keys), and so is a value of another TOML type than the shipped one.
 */
import {BugError} from '../../errors.js'
import {formatLiteral, literalType, parseLiteral, type TomlValue} from './literal.js'
import {shippedFile, type ShippedSection} from './shipped.js'

export interface ConfigChange {
  key: string
  /** TOML literals. A secret's value is not kept here. */
  shipped: string
  value: string
  secret?: boolean
}

export interface RenderedConfig {
  file: string
  commit: string
  text: string
  /** Keys whose value differs from the shipped file. */
  changes: ConfigChange[]
  /** Rendered literals of secret values, for redaction wherever the text is shown. */
  secrets: string[]
}

export interface ConfigOverride {
  key: string
  value: TomlValue
  secret?: boolean
}

interface IndexedSection extends ShippedSection {
  /** Table name with element indexes: server.base.groups[1].listener */
  path: string
}

function indexSections(sections: ShippedSection[], file: string): IndexedSection[] {
  const counters = new Map<string, number>()
  return sections.map((section) => {
    const owner = [...counters.keys()]
      .filter((array) => section.table.startsWith(`${array}.`))
      .sort((a, b) => b.length - a.length)[0]
    if (section.array) {
      if (owner) throw new BugError(`${file}: nested arrays of tables (${section.table} in ${owner}) are not supported`)
      const index = counters.get(section.table) ?? 0
      counters.set(section.table, index + 1)
      return {...section, path: `${section.table}[${index}]`}
    }
    if (owner) return {...section, path: `${owner}[${counters.get(owner)! - 1}]${section.table.slice(owner.length)}`}
    return {...section, path: section.table}
  })
}

/** Splits `a.b[k=v].c.key` into the section path with selectors resolved to indexes, and the key. */
function resolveKey(sections: IndexedSection[], key: string, where: string): {section: IndexedSection; name: string} {
  let cut = -1
  for (let index = key.length - 1, depth = 0; index >= 0; index--) {
    if (key[index] === ']') depth++
    else if (key[index] === '[') depth--
    else if (key[index] === '.' && depth === 0) {
      cut = index
      break
    }
  }
  const name = key.slice(cut + 1)
  const tablePart = cut < 0 ? '' : key.slice(0, cut)
  const resolved = tablePart.replace(
    /([A-Za-z0-9_.-]+)\[([^\]=]+)=([^\]]*)\]/g,
    (_, table: string, field: string, wanted: string) => {
      const matches = sections.filter(
        (section) =>
          section.array &&
          section.table === table &&
          section.entries.some(([entry, literal]) => entry === field && String(parseLiteral(literal)) === wanted),
      )
      if (matches.length !== 1)
        throw new BugError(`${where}: ${matches.length} elements of [[${table}]] have ${field} = ${wanted}`)
      return matches[0]!.path
    },
  )
  const section = sections.find((candidate) => candidate.path === resolved)
  if (!section) throw new BugError(`${where}: no table ${resolved || '(top level)'} for ${key}`)
  return {section, name}
}

export function renderShipped(commit: string, file: string, overrides: ConfigOverride[]): RenderedConfig {
  const where = `3FS ${commit.slice(0, 7)} configs/${file}`
  // Selectors match the SHIPPED values, so an override that changes a selecting value (the RDMA group's
  // network_type to IPoIB) does not hide that element from the overrides after it.
  const shippedSections = indexSections(shippedFile(commit, file), file)
  const sections = shippedSections.map((section) => ({
    ...section,
    entries: section.entries.map(([key, literal]) => [key, literal] as [string, string]),
  }))
  const changes: ConfigChange[] = []
  const secrets: string[] = []
  const seen = new Set<string>()
  for (const override of overrides) {
    if (seen.has(override.key)) throw new BugError(`${where}: ${override.key} is set twice`)
    seen.add(override.key)
    const {section: shippedSection, name} = resolveKey(shippedSections, override.key, where)
    const section = sections[shippedSections.indexOf(shippedSection)]!
    const entry = section.entries.find(([key]) => key === name)
    if (!entry) throw new BugError(`${where}: 3FS has no key ${override.key} (it would refuse the file)`)
    const shipped = entry[1]
    const literal = formatLiteral(override.value, literalType(shipped), `${where} ${override.key}`)
    if (override.secret && literal !== "''") secrets.push(literal)
    if (sameValue(literal, shipped)) continue
    entry[1] = literal
    changes.push({
      key: override.key,
      shipped,
      value: override.secret ? '<secret>' : literal,
      ...(override.secret ? {secret: true} : {}),
    })
  }
  const lines = [
    `# 3FS configs/${file} at ${commit.slice(0, 7)}, whole; 3fs-cli changed ${changes.length} key(s): ${changes.map((change) => change.key).join(', ') || 'none'}`,
  ]
  for (const section of sections) {
    if (section.table) lines.push('', section.array ? `[[${section.table}]]` : `[${section.table}]`)
    for (const [key, literal] of section.entries) lines.push(`${key} = ${literal}`)
  }
  return {file, commit, text: `${lines.join('\n')}\n`, changes, secrets}
}

function sameValue(a: string, b: string): boolean {
  return a === b || JSON.stringify(parseLiteral(a)) === JSON.stringify(parseLiteral(b))
}

/** The value a shipped file gives a key (for facts such as a service's shipped listener ports). */
export function shippedValue(commit: string, file: string, key: string): TomlValue {
  const sections = indexSections(shippedFile(commit, file), file)
  const {section, name} = resolveKey(sections, key, `3FS ${commit.slice(0, 7)} configs/${file}`)
  const entry = section.entries.find(([candidate]) => candidate === name)
  if (!entry) throw new BugError(`3FS ${commit.slice(0, 7)} configs/${file} has no key ${key}`)
  return parseLiteral(entry[1])
}

/**
 * Sets one key of a file this module rendered, for a value known only at apply time (the admin token
 * in admin_cli.toml's [user_info]): the line is replaced in place, so the file keeps one [user_info]
 * table (a second one would be a TOML error that admin_cli reports as a parse failure).
 */
export function setRenderedValue(text: string, table: string, key: string, value: TomlValue): string {
  const lines = text.split('\n')
  let inTable = table === ''
  for (const [index, line] of lines.entries()) {
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line.trim())
    if (header) {
      inTable = header[1] === table
      continue
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line.trim())
    if (inTable && entry && entry[1] === key) {
      lines[index] = `${key} = ${formatLiteral(value, literalType(entry[2]!), `[${table}] ${key}`)}`
      return lines.join('\n')
    }
  }
  throw new BugError(`no ${key} in [${table}] of the rendered file`)
}
