/** POSIX shell quoting: every remote command is a string for `sh -c`, built from argv with these. */

const SAFE = /^[A-Za-z0-9_\-+=.,/:@%^]+$/

export function shellQuote(argument: string): string {
  if (argument !== '' && SAFE.test(argument)) return argument
  return `'${argument.replace(/'/g, `'\\''`)}'`
}

export type Command = string | readonly string[]

/** A shell string: argv is quoted word by word, a string is taken as shell code. */
export function toShell(command: Command): string {
  return typeof command === 'string' ? command : command.map(shellQuote).join(' ')
}

/** Prefixes shell code with exported variables (values quoted). */
export function withEnv(script: string, env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return script
  const exports = Object.entries(env).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid environment variable name: ${key}`)
    return `export ${key}=${shellQuote(value)};`
  })
  return `${exports.join(' ')} ${script}`
}
