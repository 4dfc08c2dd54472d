/**
 * BASE against NEW, figure by figure: the change in percent and a verdict that knows which way is better
 * (bandwidth up, latency and time down). A change within `samePct` is "same"; a worse change beyond
 * `thresholdPct` is a regression.
 */
import {UsageError} from '../../errors.js'
import type {BenchResult, Better, Figure} from './model.js'

export type Verdict = 'better' | 'worse' | 'same' | 'changed' | 'only-base' | 'only-new'

export interface FigureComparison {
  key: string
  label: string
  unit: string
  better: Better
  base?: number
  new?: number
  /** (new - base) / base in percent; null when base is 0 or a side is missing. */
  changePct: number | null
  verdict: Verdict
  regression: boolean
}

export interface Comparison {
  base: {title: string; kind: string; createdAt: string}
  new: {title: string; kind: string; createdAt: string}
  thresholdPct?: number
  samePct: number
  figures: FigureComparison[]
  /** Notes on fairness: different kinds, parameters, engines or environments. */
  notes: string[]
  summary: {better: number; worse: number; same: number; regressions: number; noChange: boolean}
}

export interface CompareOptions {
  /** A worse change beyond this (percent) is a regression. */
  thresholdPct?: number
  /** Changes within this (percent) are "same"; default 1. */
  samePct?: number
}

function allFigures(result: BenchResult): Figure[] {
  return [...result.figures, ...result.nodes.flatMap((node) => node.figures)]
}

export function compareResults(base: BenchResult, next: BenchResult, options: CompareOptions = {}): Comparison {
  const samePct = options.samePct ?? 1
  if (options.thresholdPct !== undefined && !(options.thresholdPct >= 0))
    throw new UsageError(`--threshold ${options.thresholdPct} is not a percentage`, {
      next: 'Give a number of percent, e.g. --threshold 5.',
    })
  const baseFigures = new Map(allFigures(base).map((figure) => [figure.key, figure]))
  const newFigures = new Map(allFigures(next).map((figure) => [figure.key, figure]))
  const keys = [...new Set([...baseFigures.keys(), ...newFigures.keys()])]
  const figures = keys.map((key): FigureComparison => {
    const a = baseFigures.get(key)
    const b = newFigures.get(key)
    const meta = (b ?? a)!
    const common = {key, label: meta.label, unit: meta.unit, better: meta.better, base: a?.value, new: b?.value}
    if (!a || !b) return {...common, changePct: null, verdict: a ? 'only-base' : 'only-new', regression: false}
    const changePct = a.value === 0 ? (b.value === 0 ? 0 : null) : ((b.value - a.value) / Math.abs(a.value)) * 100
    const change = changePct ?? (b.value > a.value ? Infinity : -Infinity)
    let verdict: Verdict
    if (Math.abs(change) <= samePct) verdict = 'same'
    else if (meta.better === 'none') verdict = 'changed'
    else verdict = change > 0 === (meta.better === 'higher') ? 'better' : 'worse'
    const regression =
      verdict === 'worse' && options.thresholdPct !== undefined && Math.abs(change) > options.thresholdPct
    return {...common, changePct, verdict, regression}
  })
  const notes: string[] = []
  if (base.kind !== next.kind) notes.push(`different benches: ${base.kind} against ${next.kind}`)
  if (base.engine !== next.engine) notes.push(`different engines: ${base.engine} against ${next.engine}`)
  if ((base.impl ?? '') !== (next.impl ?? ''))
    notes.push(`different sort implementations: ${base.impl ?? '-'} against ${next.impl ?? '-'}`)
  for (const key of new Set([...Object.keys(base.parameters), ...Object.keys(next.parameters)])) {
    const a = JSON.stringify(base.parameters[key])
    const b = JSON.stringify(next.parameters[key])
    if (a !== b) notes.push(`parameter ${key}: ${a ?? '-'} against ${b ?? '-'}`)
  }
  const hostsOf = (result: BenchResult) =>
    result.environment.hosts
      .map((host) => `${host.node} ${host.kernel ?? '?'} ${host.cpu ?? '?'} ${host.cores ?? '?'} cores`)
      .join('; ')
  if (hostsOf(base) !== hostsOf(next)) notes.push(`different machines: ${hostsOf(base)} against ${hostsOf(next)}`)
  const count = (verdict: Verdict) => figures.filter((figure) => figure.verdict === verdict).length
  return {
    base: {title: base.title, kind: base.kind, createdAt: base.createdAt},
    new: {title: next.title, kind: next.kind, createdAt: next.createdAt},
    thresholdPct: options.thresholdPct,
    samePct,
    figures,
    notes,
    summary: {
      better: count('better'),
      worse: count('worse'),
      same: count('same'),
      regressions: figures.filter((figure) => figure.regression).length,
      noChange: figures.every((figure) => figure.changePct === 0),
    },
  }
}
