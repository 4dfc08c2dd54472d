import {describe, expect, it} from 'vitest'

import {compareResults} from '../../src/bench/results/compare.js'
import type {BenchResult, Figure} from '../../src/bench/results/model.js'

const figure = (key: string, value: number, better: Figure['better'], unit = 'x'): Figure => ({
  key,
  label: key,
  value,
  unit,
  better,
})

function result(figures: Figure[], parameters: Record<string, unknown> = {rw: 'read'}): BenchResult {
  return {
    schema: 1,
    kind: 'throughput',
    title: 't',
    createdAt: '2026-12-02T00:00:00.000Z',
    argv: [],
    parameters,
    engine: 'io_uring',
    figures,
    nodes: [],
    series: [],
    latencyHistogram: [],
    phases: [],
    environment: {cliVersion: '0.1.0', nodeVersion: 'v20', hosts: [{node: 'local', kernel: '6', cores: 2}]},
    report: {},
  }
}

describe('bench compare', () => {
  const base = result([
    figure('bw', 1000, 'higher', 'MiB/s'),
    figure('p99', 100, 'lower', 'us'),
    figure('records', 10, 'none'),
  ])

  it('says no change when a result is compared with itself', () => {
    const comparison = compareResults(base, base, {thresholdPct: 0})
    expect(comparison.summary).toMatchObject({noChange: true, regressions: 0, better: 0, worse: 0, same: 3})
    expect(comparison.notes).toEqual([])
  })

  it('knows the better direction of each figure', () => {
    const next = result([figure('bw', 1200, 'higher'), figure('p99', 150, 'lower'), figure('records', 20, 'none')])
    const byKey = Object.fromEntries(compareResults(base, next).figures.map((entry) => [entry.key, entry]))
    expect(byKey.bw).toMatchObject({verdict: 'better', changePct: 20})
    expect(byKey.p99).toMatchObject({verdict: 'worse', changePct: 50})
    expect(byKey.records).toMatchObject({verdict: 'changed'})
    const lower = compareResults(base, result([figure('bw', 800, 'higher'), figure('p99', 50, 'lower')]))
    expect(lower.figures.find((entry) => entry.key === 'bw')!.verdict).toBe('worse')
    expect(lower.figures.find((entry) => entry.key === 'p99')!.verdict).toBe('better')
    expect(lower.figures.find((entry) => entry.key === 'records')!.verdict).toBe('only-base')
  })

  it('flags a regression only beyond the threshold, and small changes as the same', () => {
    const next = result([figure('bw', 940, 'higher'), figure('p99', 100.5, 'lower'), figure('records', 10, 'none')])
    expect(compareResults(base, next, {thresholdPct: 10}).summary.regressions).toBe(0)
    const strict = compareResults(base, next, {thresholdPct: 5})
    expect(strict.summary.regressions).toBe(1)
    expect(strict.figures.find((entry) => entry.key === 'p99')!.verdict).toBe('same')
  })

  it('notes what makes a comparison unfair', () => {
    const comparison = compareResults(base, result(base.figures, {rw: 'write'}))
    expect(comparison.notes).toContain('parameter rw: "read" against "write"')
  })
})
