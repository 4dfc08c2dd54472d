/**
 * Issue 15, property over every command's flags: seeded mutations of valid invocations (engine.mjs) run
 * through the built CLI in a sandbox must exit with a documented code, never print "Bug in 3fs-cli", end
 * within the bound (or stop on SIGINT with 130), and leave the sandbox's user files untouched. A few cases
 * here; `npm run fuzz` runs many (FUZZ_ITERATIONS, FUZZ_SEED).
 */
import {describe, expect, it} from 'vitest'

import {fuzzCase} from '../fuzz/engine.mjs'

const SEED = Number(process.env.FUZZ_SEED ?? 15)
const CASES = Number(process.env.FUZZ_CLI_CASES ?? 8)

describe(`CLI flag mutations (seed ${SEED})`, () => {
  it(`${CASES} cases keep every property`, async () => {
    const indexes = Array.from({length: CASES}, (_, index) => index)
    const outcomes = []
    // Two at a time: the machine is shared.
    for (let at = 0; at < indexes.length; at += 2)
      outcomes.push(
        ...(await Promise.all(indexes.slice(at, at + 2).map((index) => fuzzCase(SEED, index, {boundMs: 30_000})))),
      )
    const failing = outcomes
      .filter((outcome) => outcome.problems.length > 0)
      .map((outcome) => ({
        index: outcome.index,
        argv: outcome.argv,
        problems: outcome.problems,
        sandbox: outcome.sandbox,
      }))
    expect(failing).toEqual([])
    // The cases ran commands, not only the parser: some got past flag parsing.
    expect(outcomes.some((outcome) => outcome.result.exitCode !== 2)).toBe(true)
  }, 240_000)
})
