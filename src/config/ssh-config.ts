/**
 * OpenSSH client configuration (ssh_config(5)), read strictly for the settings 3fs-cli uses.
 *
 * Rules followed (from ssh_config(5)):
 * - one "Keyword args" or "Keyword=args" per line, keywords case-insensitive, '#' lines and blank lines
 *   ignored, arguments may be double-quoted to contain spaces;
 * - Host takes whitespace-separated patterns, Match host/originalhost takes a comma-separated list; '*' and
 *   '?' are wildcards and a pattern starting with '!' negates: a negated match excludes the block even when
 *   another pattern matches;
 * - for each setting the first obtained value wins, except IdentityFile, which accumulates;
 * - Include reads files (relative names are under ~/.ssh, '*' globs in the last path part) in place, and
 *   applies inside the enclosing Host/Match block.
 * Decision on unknown keywords: OpenSSH knows ~100 keywords we do not use; we ignore every keyword we do not
 * resolve (like an ssh built with IgnoreUnknown *), so a real ~/.ssh/config loads. A keyword we do resolve
 * with a bad value, a Match criterion we cannot evaluate, or an unterminated quote is an error naming
 * file:line, because guessing there would send a connection somewhere the operator did not mean.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {userInfo} from 'node:os'
import {basename, dirname, isAbsolute, join} from 'node:path'

import {UsageError} from '../errors.js'
import {homeDirectory} from './home.js'

export interface SshConfigLine {
  /** Lower-cased for matching; `name` is as written, for messages. */
  keyword: string
  name: string
  args: string[]
  /** "file:line", shown by `config validate -v`. */
  source: string
}

interface Block {
  kind: 'host' | 'match'
  patterns: string[]
  criteria: Array<{name: 'all' | 'host' | 'originalhost'; negate: boolean; list: string[]}>
  lines: SshConfigLine[]
}

export interface SshJump {
  user?: string
  host: string
  port?: number
}

export interface ResolvedSshConfig {
  hostName: string
  user?: string
  port?: number
  identityFiles: string[]
  identitiesOnly?: boolean
  /** [] when no jump (or ProxyJump none); otherwise hops in connection order. */
  proxyJump: SshJump[]
  userKnownHostsFile?: string[]
  strictHostKeyChecking?: 'yes' | 'no' | 'accept-new' | 'ask' | 'off'
  connectTimeoutSeconds?: number
  serverAliveIntervalSeconds?: number
  /** Where each setting came from ("file:line"); keys are the fields above. */
  sources: Partial<Record<Exclude<keyof ResolvedSshConfig, 'sources'>, string>>
}

const MAX_INCLUDE_DEPTH = 16

function syntaxError(source: string, message: string): UsageError {
  return new UsageError(`${source}: ${message}`, {next: 'Fix that line of the SSH config (see ssh_config(5)).'})
}

/**
 * Splits a line into words the way OpenSSH's argv_split does (checked against `ssh -G`, OpenSSH 9.2): blanks
 * separate words; single or double quotes group blanks into a word and may start or end inside one (`"a b"c` is
 * `a bc`); a backslash escapes a quote, a backslash or (outside quotes) a space, and is kept before anything
 * else; a word that starts with `#` begins a comment that runs to the end of the line (`a#b` is a word).
 * "Keyword=value" and "Keyword = value" are the same as "Keyword value".
 */
export function splitLine(text: string, source: string): string[] {
  const trimmed = text.trim()
  const firstEnd = trimmed.search(/[\s=]/)
  if (firstEnd < 0) return trimmed === '' || trimmed.startsWith('#') ? [] : [trimmed]
  const words = [trimmed.slice(0, firstEnd)]
  const rest = trimmed.slice(firstEnd).replace(/^\s*=?/, '')
  let at = 0
  while (at < rest.length) {
    if (/\s/.test(rest[at]!)) {
      at++
      continue
    }
    if (rest[at] === '#') break
    let word = ''
    let quote: string | undefined
    for (; at < rest.length; at++) {
      const char = rest[at]!
      if (quote === undefined && /\s/.test(char)) break
      const next = rest[at + 1]
      if (char === '\\' && (next === "'" || next === '"' || next === '\\' || (quote === undefined && next === ' '))) {
        word += next
        at++
      } else if (quote === undefined && (char === '"' || char === "'")) {
        quote = char
      } else if (char === quote) {
        quote = undefined
      } else {
        word += char
      }
    }
    if (quote !== undefined) throw syntaxError(source, 'unterminated quote')
    words.push(word)
  }
  return words
}

/** OpenSSH's match_pattern: '*' any run, '?' one character, case-insensitive for host names. */
export function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${regex}$`, 'i').test(name)
}

/** A pattern list: no match if any negated pattern matches, else a match if any plain pattern matches. */
export function patternListMatches(patterns: string[], name: string): boolean {
  let matched = false
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false
    } else if (globMatches(pattern, name)) {
      matched = true
    }
  }
  return matched
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
}

function includeFiles(pattern: string, home: string, source: string): string[] {
  const expanded = expandHome(pattern, home)
  // ssh_config(5): relative Include paths are under ~/.ssh for the user's config.
  const absolute = isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded)
  const name = basename(absolute)
  if (!/[*?]/.test(name)) return [absolute]
  if (/[*?]/.test(dirname(absolute)))
    throw syntaxError(source, `Include wildcards are supported only in the file name: ${pattern}`)
  let entries: string[]
  try {
    entries = readdirSync(dirname(absolute))
  } catch {
    return []
  }
  return entries
    .filter((entry) => globMatches(name, entry))
    .sort()
    .map((entry) => join(dirname(absolute), entry))
}

/** Reads one config file (and its Includes) into Host/Match blocks; lines before any Host apply to all. */
export function parseSshConfig(file: string, home = homeDirectory()): Block[] {
  const blocks: Block[] = [{kind: 'host', patterns: ['*'], criteria: [], lines: []}]
  readInto(file, home, blocks, 0, true)
  return blocks
}

function readInto(file: string, home: string, blocks: Block[], depth: number, required: boolean): void {
  if (depth > MAX_INCLUDE_DEPTH) throw syntaxError(file, 'Include nested too deeply (a loop?)')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (!required) return
    throw new UsageError(`Cannot read SSH config ${file}: ${(error as Error).message}`, {
      next: 'Set ssh.configFile in cluster.yml to an existing file, or remove it.',
    })
  }
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const source = `${file}:${index + 1}`
    if (/^\s*(#|$)/.test(raw)) continue
    const words = splitLine(raw, source)
    const keyword = (words[0] ?? '').toLowerCase()
    const args = words.slice(1)
    if (keyword === 'host') {
      if (args.length === 0) throw syntaxError(source, 'Host needs at least one pattern')
      blocks.push({kind: 'host', patterns: args, criteria: [], lines: []})
    } else if (keyword === 'match') {
      blocks.push({kind: 'match', patterns: [], criteria: parseMatch(args, source), lines: []})
    } else if (keyword === 'include') {
      if (args.length === 0) throw syntaxError(source, 'Include needs a file')
      // Included files' lines join the enclosing block; their own Host/Match lines start new blocks.
      const enclosing = blocks.at(-1)!
      // OpenSSH restores the enclosing block's state after each included file (readconf.c, `*activep =
      // oactive` in the glob loop), so the next file and the lines after the Include belong to that block
      // again, not to the last Host an included file opened.
      for (const pattern of args) {
        for (const path of includeFiles(pattern, home, source)) {
          readInto(path, home, blocks, depth + 1, false)
          if (blocks.at(-1) !== enclosing) blocks.push({...enclosing, lines: []})
        }
      }
    } else {
      blocks.at(-1)!.lines.push({keyword, name: words[0] ?? keyword, args, source})
    }
  }
}

function parseMatch(args: string[], source: string): Block['criteria'] {
  if (args.length === 0) throw syntaxError(source, 'Match needs a criterion')
  const criteria: Block['criteria'] = []
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? ''
    const negate = word.startsWith('!')
    const name = (negate ? word.slice(1) : word).toLowerCase()
    if (name === 'all') {
      criteria.push({name: 'all', negate, list: []})
    } else if (name === 'host' || name === 'originalhost') {
      const list = args[++i]
      if (list === undefined) throw syntaxError(source, `Match ${name} needs a pattern list`)
      criteria.push({name, negate, list: list.split(',')})
    } else {
      throw syntaxError(source, `Match ${name} is not supported by 3fs-cli (only host, originalhost, all)`)
    }
  }
  return criteria
}

function blockApplies(block: Block, alias: string, hostName: string): boolean {
  if (block.kind === 'host') return patternListMatches(block.patterns, alias)
  return block.criteria.every(({name, negate, list}) => {
    const hit = name === 'all' ? true : patternListMatches(list, name === 'host' ? hostName : alias)
    return negate ? !hit : hit
  })
}

function oneArg(line: SshConfigLine): string {
  const [value, ...extra] = line.args
  if (value === undefined || extra.length > 0) throw syntaxError(line.source, `${line.name} takes exactly one value`)
  return value
}

function positiveInt(line: SshConfigLine, max: number): number {
  const value = oneArg(line)
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw syntaxError(line.source, `${line.name} must be a whole number from 1 to ${max}, got "${value}"`)
  }
  return Number(value)
}

function yesNo(line: SshConfigLine): boolean {
  const value = oneArg(line).toLowerCase()
  if (value !== 'yes' && value !== 'no') throw syntaxError(line.source, `${line.name} must be yes or no`)
  return value === 'yes'
}

export function parseJumps(value: string, source: string): SshJump[] {
  if (value.toLowerCase() === 'none') return []
  return value.split(',').map((hop) => {
    const match = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(hop)
    if (!match) throw syntaxError(source, `ProxyJump hop "${hop}" is not [user@]host[:port]`)
    const port = match[3] === undefined ? undefined : Number(match[3])
    if (port !== undefined && (port < 1 || port > 65_535))
      throw syntaxError(source, `ProxyJump port ${port} is out of range`)
    return {user: match[1], host: (match[2] ?? '').replace(/^\[|\]$/g, ''), port}
  })
}

/**
 * ssh_config(5) TOKENS supported in IdentityFile and UserKnownHostsFile: %% %d (home) %h (remote host name)
 * %n (alias as given) %p (port) %r (remote user) %u (local user). Any other token is refused, as ssh does.
 */
export function expandTokens(
  value: string,
  tokens: {home: string; hostName: string; alias: string; port: number; remoteUser: string; localUser: string},
  source: string,
): string {
  const expanded = value.replace(/%(.)/g, (_, token: string) => {
    switch (token) {
      case '%':
        return '%'
      case 'd':
        return tokens.home
      case 'h':
        return tokens.hostName
      case 'n':
        return tokens.alias
      case 'p':
        return String(tokens.port)
      case 'r':
        return tokens.remoteUser
      case 'u':
        return tokens.localUser
      default:
        throw syntaxError(source, `token %${token} is not supported (use %% %d %h %n %p %r %u)`)
    }
  })
  return expandHome(expanded, tokens.home)
}

/** Settings for one alias, first obtained value wins, tokens expanded once all values are known. */
export function resolveSshConfig(
  blocks: Block[],
  alias: string,
  env: {home?: string; localUser?: string} = {},
): ResolvedSshConfig {
  const home = env.home ?? homeDirectory()
  const localUser = env.localUser ?? userInfo().username
  const result: ResolvedSshConfig = {hostName: alias, identityFiles: [], proxyJump: [], sources: {}}
  const identityLines: SshConfigLine[] = []
  const knownHostsLines: SshConfigLine[] = []
  const seen = new Set<string>()
  const first = (line: SshConfigLine): boolean => {
    if (seen.has(line.keyword)) return false
    seen.add(line.keyword)
    return true
  }
  for (const block of blocks) {
    if (!blockApplies(block, alias, result.hostName)) continue
    for (const line of block.lines) {
      switch (line.keyword) {
        case 'hostname':
          if (first(line)) [result.hostName, result.sources.hostName] = [oneArg(line), line.source]
          break
        case 'user':
          if (first(line)) [result.user, result.sources.user] = [oneArg(line), line.source]
          break
        case 'port':
          if (first(line)) [result.port, result.sources.port] = [positiveInt(line, 65_535), line.source]
          break
        case 'identityfile':
          oneArg(line)
          identityLines.push(line)
          break
        case 'identitiesonly':
          if (first(line)) [result.identitiesOnly, result.sources.identitiesOnly] = [yesNo(line), line.source]
          break
        case 'proxyjump':
          if (first(line))
            [result.proxyJump, result.sources.proxyJump] = [parseJumps(oneArg(line), line.source), line.source]
          break
        case 'userknownhostsfile':
          if (first(line)) {
            if (line.args.length === 0) throw syntaxError(line.source, 'UserKnownHostsFile needs a file')
            knownHostsLines.push(line)
          }
          break
        case 'stricthostkeychecking': {
          if (!first(line)) break
          const value = oneArg(line).toLowerCase()
          if (!['yes', 'no', 'accept-new', 'ask', 'off'].includes(value)) {
            throw syntaxError(line.source, 'StrictHostKeyChecking must be yes, accept-new, no, off or ask')
          }
          ;[result.strictHostKeyChecking, result.sources.strictHostKeyChecking] = [value as 'yes', line.source]
          break
        }
        case 'connecttimeout':
          if (first(line))
            [result.connectTimeoutSeconds, result.sources.connectTimeoutSeconds] = [
              positiveInt(line, 86_400),
              line.source,
            ]
          break
        case 'serveraliveinterval': {
          if (!first(line)) break
          const value = oneArg(line)
          // 0 is OpenSSH's default and means "off".
          if (!/^\d+$/.test(value))
            throw syntaxError(line.source, 'ServerAliveInterval must be a whole number of seconds')
          ;[result.serverAliveIntervalSeconds, result.sources.serverAliveIntervalSeconds] = [Number(value), line.source]
          break
        }
        default:
          // Keywords 3fs-cli does not resolve are ignored (see the header).
          break
      }
    }
  }
  const tokens = {
    home,
    hostName: result.hostName,
    alias,
    port: result.port ?? 22,
    remoteUser: result.user ?? localUser,
    localUser,
  }
  result.identityFiles = identityLines.map((line) => expandTokens(oneArg(line), tokens, line.source))
  if (identityLines.length > 0) result.sources.identityFiles = identityLines.map((line) => line.source).join(', ')
  const line = knownHostsLines[0]
  if (line !== undefined) {
    result.userKnownHostsFile = line.args.map((arg) => expandTokens(arg, tokens, line.source))
    result.sources.userKnownHostsFile = line.source
  }
  return result
}
