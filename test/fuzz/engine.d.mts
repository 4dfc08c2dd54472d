/** Types of engine.mjs for the TypeScript tests that use it. */
export const ROOT: string
export const DOCUMENTED_EXIT_CODES: Set<number>
export const VALID_CLUSTER: string
export interface Random {
  next(): number
  int(n: number): number
  pick<T>(items: readonly T[]): T
}
export function rng(seed: number): Random
export function mutateYaml(text: string, random: Random): string
export interface Sandbox {
  root: string
  user: string
  home: string
  tmp: string
  cwd: string
}
export function makeSandbox(parent?: string): Sandbox
export function makeCase(seed: number, index: number, box: Sandbox): {argv: string[]; yaml: string}
export function snapshot(dir: string): Map<string, string>
export interface CaseResult {
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  interrupted: boolean
  killed: boolean
  ms: number
}
export function runCase(
  argv: string[],
  box: Sandbox,
  options?: {boundMs?: number; graceMs?: number},
): Promise<CaseResult>
export function violations(
  argv: string[],
  result: CaseResult,
  before: Map<string, string>,
  after: Map<string, string>,
): string[]
export function fuzzCase(
  seed: number,
  index: number,
  options?: {boundMs?: number; graceMs?: number; parent?: string},
): Promise<{seed: number; index: number; argv: string[]; result: CaseResult; problems: string[]; sandbox: string}>
