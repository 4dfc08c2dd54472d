/** What `python install` and `python verify` show on the terminal (their --json is the result itself). */
import type {PythonInstallResult} from '../../python/install.js'
import type {PythonVerifyNode, PythonVerifyResult} from '../../python/verify.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

function renderSteps(result: {nodes: Array<{node: string}>; steps?: string[]}): string {
  return [
    `${color.bold('nodes')}: ${result.nodes.map((node) => node.node).join(', ')}`,
    ...(result.steps ?? []).map((step) => `  ${step}`),
  ].join('\n')
}

export function renderPythonInstall(result: PythonInstallResult): string {
  const built = result.smallpondBuild
    ? `smallpond-3fs ${result.smallpondBuild.commit.slice(0, 12)} ${result.smallpondBuild.reused ? 'reused' : `built on ${result.smallpondBuild.node}`}: ${result.smallpondBuild.wheel}\n`
    : ''
  if (result.plan) return renderSteps(result)
  return (
    built +
    renderTable(
      ['node', 'result', 'duckdb', 'smallpond', 'venv'],
      result.nodes.map((node) => [
        node.node,
        node.ok ? color.green('ok') : color.red(node.error ?? 'failed'),
        node.packages?.duckdb ?? '-',
        node.packages?.smallpond ?? '-',
        node.release ?? '-',
      ]),
    )
  )
}

export function renderPythonVerify(result: PythonVerifyResult): string {
  const ms = (node: PythonVerifyNode, key: string) => (node.ms?.[key] === undefined ? '-' : node.ms[key]!.toFixed(1))
  if (result.plan) return renderSteps(result)
  return renderTable(
    ['node', 'result', 'write 3fs:// ms', 'read 3fs:// ms', 'read path ms', 'smallpond ms', 'total ms'],
    result.nodes.map((node) => [
      node.node,
      node.ok ? color.green('ok') : color.red(node.error ?? 'failed'),
      ms(node, 'write3fs'),
      ms(node, 'read3fs'),
      ms(node, 'readPath'),
      ms(node, 'smallpond'),
      node.totalMs ?? '-',
    ]),
  )
}
