/** How the duckdb commands show build plans and results, install and verify results, and build progress. */
import type {BuildPlan} from '../../duckdb/build-plan.js'
import type {BuildResult} from '../../duckdb/build.js'
import type {InstallResult} from '../../duckdb/install.js'
import type {VerifyResult} from '../../duckdb/verify.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderBuildPlan(plan: BuildPlan): string {
  return [
    `Build on ${plan.node} (${plan.mode}):`,
    ...plan.steps.map(
      (step, index) =>
        `  ${index + 1}. ${color.bold(step.name)}: ${step.description}${step.command ? `\n     ${color.dim(step.command.split('\n').join('\n     '))}` : ''}`,
    ),
  ].join('\n')
}

export function renderBuild(result: BuildResult): string {
  return [
    result.reused
      ? color.green(`Reused the build ${result.manifest.key} (same inputs, checksums verified).`)
      : color.green(
          `Built on ${result.node} in ${(result.steps.reduce((sum, step) => sum + step.durationMs, 0) / 1000).toFixed(1)} s.`,
        ),
    `DuckDB ${result.manifest.duckdbVersion} (${result.manifest.platform}); artifacts in ${result.dir}`,
    renderTable(
      ['file', 'bytes', 'sha256'],
      Object.entries(result.manifest.files).map(([name, file]) => [name, file.bytes, file.sha256.slice(0, 16)]),
    ),
    ...(result.logFile ? [`Build log: ${result.logFile}`] : []),
    'Next: 3fs-cli duckdb install -c <cluster.yml>',
  ].join('\n')
}

/**
 * One status line on stderr that rewrites itself with the build's latest log line (a terminal only, never
 * in --json mode); `clear` removes it before the result is printed.
 */
export function buildProgressLine(enabled: boolean): {
  onProgress: (progress: {step: string; elapsedMs: number; line: string}) => void
  clear: () => void
} {
  const stream = process.stderr
  let last = ''
  return {
    onProgress: (progress) => {
      if (!enabled || !stream.isTTY) return
      const line = `${progress.step} ${(progress.elapsedMs / 1000).toFixed(0)} s: ${progress.line}`.slice(
        0,
        (stream.columns || 100) - 1,
      )
      if (line !== last) stream.write(`\r\u001B[2K${line}`)
      last = line
    },
    clear: () => {
      if (last) stream.write('\r\u001B[2K')
    },
  }
}

export function renderInstall(result: InstallResult): string {
  if (result.plan)
    return result.nodes
      .map((node) =>
        [
          `${color.bold(node.node)}:`,
          ...node.steps.map((step) => `  ${step.description}${step.path ? ` -> ${step.path}` : ''}`),
        ].join('\n'),
      )
      .join('\n')
  return [
    renderTable(
      ['node', 'result', 'extension'],
      result.nodes.map((node) => [
        node.node,
        node.ok
          ? color.green(node.skipped ? `ok (${node.skipped} file(s) unchanged)` : 'ok')
          : color.red(node.error ?? 'failed'),
        node.extensionPath ?? '',
      ]),
    ),
    `DuckDB ${result.duckdbVersion}; next: 3fs-cli duckdb verify -c <cluster.yml>`,
  ].join('\n')
}

export function renderVerify(result: VerifyResult): string {
  const ms = (value?: number) => (value === undefined ? '-' : value.toFixed(1))
  if (result.plan)
    return result.nodes
      .map((node) => [`${color.bold(node.node)}:`, ...(node.steps ?? []).map((step) => `  ${step}`)].join('\n'))
      .join('\n')
  return renderTable(
    ['node', 'result', 'usrbio', 'mount root', 'write ms', '3fs:// ms', 'path ms', 'rows', 'total ms'],
    result.nodes.map((node) => [
      node.node,
      node.ok ? color.green('ok') : color.red(node.error ?? 'failed'),
      node.usrbio ? 'yes' : 'no',
      node.mountRoot ?? '-',
      ms(node.write?.ms),
      ms(node.read3fs?.ms),
      ms(node.readPath?.ms),
      node.read3fs?.rows ?? '-',
      node.totalMs ?? '-',
    ]),
  )
}
