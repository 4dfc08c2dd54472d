import {describe, expect, it} from 'vitest'

import {fanOut} from '../../src/remote/fanout.js'

const nodes = (count: number) => Array.from({length: count}, (_, index) => ({name: `n${index}`}))
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new Error('aborted'))
    })
  })

describe('fanOut', () => {
  it('never runs more than the concurrency limit at once and keeps results in node order', async () => {
    let active = 0
    let peak = 0
    const outcomes = await fanOut(
      nodes(300),
      async (node) => {
        active++
        peak = Math.max(peak, active)
        await sleep(Math.random() * 5)
        active--
        return node.name.toUpperCase()
      },
      {concurrency: 16},
    )
    expect(peak).toBe(16)
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.value : null))).toEqual(
      nodes(300).map((node) => node.name.toUpperCase()),
    )
  })

  it('reports a failing node by name while the others finish', async () => {
    const outcomes = await fanOut(
      nodes(5),
      async (node) => {
        if (node.name === 'n2') throw new Error('disk on fire')
        return 1
      },
      {concurrency: 5},
    )
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(4)
    expect(outcomes[2]).toMatchObject({node: 'n2', ok: false, cancelled: false})
  })

  it('cancels the rest with failFast', async () => {
    const outcomes = await fanOut(
      nodes(6),
      async (node, signal) => {
        if (node.name === 'n0') throw new Error('first fails')
        await sleep(1000, signal)
        return 1
      },
      {concurrency: 3, failFast: true},
    )
    expect(outcomes[0]).toMatchObject({ok: false, cancelled: false})
    expect(outcomes.slice(1).every((outcome) => !outcome.ok && outcome.cancelled)).toBe(true)
  })

  it('stops starting new nodes when the caller aborts', async () => {
    const controller = new AbortController()
    const started: string[] = []
    const run = fanOut(
      nodes(10),
      async (node, signal) => {
        started.push(node.name)
        await sleep(50, signal)
      },
      {concurrency: 2, signal: controller.signal},
    )
    setTimeout(() => controller.abort(), 10)
    const outcomes = await run
    expect(started).toEqual(['n0', 'n1'])
    expect(outcomes.every((outcome) => !outcome.ok)).toBe(true)
  })
})
