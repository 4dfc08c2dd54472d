/** `bench compare` as a table: each figure, both values, the change and the verdict. */
import type {Comparison, FigureComparison} from '../../bench/results/compare.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

function value(figure: FigureComparison, side: 'base' | 'new'): string {
  const number = figure[side]
  if (number === undefined) return '-'
  const text =
    Math.abs(number) >= 1000 ? Math.round(number).toLocaleString('en-US') : Number(number.toPrecision(4)).toString()
  return `${text} ${figure.unit}`
}

function verdict(figure: FigureComparison): string {
  const text = figure.regression ? 'REGRESSION' : figure.verdict
  if (figure.regression || figure.verdict === 'worse') return color.red(text)
  if (figure.verdict === 'better') return color.green(text)
  return text
}

export function renderComparison(comparison: Comparison): string {
  const rows = comparison.figures.map((figure) => [
    figure.label === figure.key ? figure.key : `${figure.label} ${color.dim(`(${figure.key})`)}`,
    value(figure, 'base'),
    value(figure, 'new'),
    figure.changePct === null ? '-' : `${figure.changePct >= 0 ? '+' : ''}${figure.changePct.toFixed(1)}%`,
    verdict(figure),
  ])
  const s = comparison.summary
  const lines = [
    `base: ${comparison.base.title} (${comparison.base.createdAt})`,
    `new:  ${comparison.new.title} (${comparison.new.createdAt})`,
    renderTable(['figure', 'base', 'new', 'change', 'verdict'], rows),
  ]
  for (const note of comparison.notes) lines.push(color.yellow(`Note: ${note}`))
  lines.push(
    s.noChange
      ? 'No change: every figure is the same.'
      : `${s.better} better, ${s.worse} worse, ${s.same} the same (within ${comparison.samePct}%)${comparison.thresholdPct === undefined ? '' : `; ${s.regressions} regression${s.regressions === 1 ? '' : 's'} beyond ${comparison.thresholdPct}%`}`,
  )
  return lines.join('\n')
}
