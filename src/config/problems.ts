/** Problems found in a cluster.yml, each with the place it points at, and the error that carries them. */
import {UsageError} from '../errors.js'

export type PathSegment = string | number

export interface ConfigProblem {
  severity: 'error' | 'warning'
  file: string
  line: number
  column: number
  /** Key path such as services.mgmtd.stripeSize or nodes[2].host */
  path: string
  message: string
  /** What to change, when we can tell. */
  hint?: string
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out === '' ? '(top level)' : out
}

export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`
  const hint = problem.hint ? ` ${problem.hint}` : ''
  return `${where} ${problem.path}: ${problem.message}.${hint}`
}

export class ConfigError extends UsageError {
  readonly problems: ConfigProblem[]

  constructor(file: string, problems: ConfigProblem[]) {
    const errors = problems.filter((problem) => problem.severity === 'error')
    const lines = errors.map((problem) => `  ${formatProblem(problem)}`)
    super(`${file} is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      next: `Fix the keys named above in ${file}, then run \`3fs-cli config validate -c ${file}\`. Nothing was changed on any node.`,
    })
    this.name = 'ConfigError'
    this.problems = problems
  }
}
