/**
 * Issue 15, property: any mutation of a valid cluster.yml either validates or is a ConfigError (exit 2 with
 * file:line problems), never another exception; a config that validates plans without a crash and its plan
 * never shows the ClickHouse password. Seeded (FUZZ_SEED), in-process, a few hundred cases in well under a second.
 */
import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {ConfigError} from '../../src/config/problems.js'
import {buildPlan, planJson} from '../../src/deploy/plan.js'
import {UserError} from '../../src/errors.js'
import {mutateYaml, rng, VALID_CLUSTER} from '../fuzz/engine.mjs'

const SEED = Number(process.env.FUZZ_SEED ?? 15)
const CASES = Number(process.env.FUZZ_CONFIG_CASES ?? 400)

describe(`cluster.yml mutations (seed ${SEED}, ${CASES} cases)`, () => {
  it('the unmutated config validates and plans (the generator starts from a valid input)', () => {
    expect(planJson(buildPlan(parseCluster(VALID_CLUSTER, 'cluster.yml'))).actions.length).toBeGreaterThan(10)
  })

  it('every mutation is accepted or refused as a ConfigError with a line, never a crash', () => {
    const random = rng(SEED)
    const outcomes = {accepted: 0, refused: 0}
    for (let index = 0; index < CASES; index++) {
      const text = mutateYaml(VALID_CLUSTER, random)
      let cluster
      try {
        cluster = parseCluster(text, 'cluster.yml')
      } catch (error) {
        if (!(error instanceof ConfigError))
          throw new Error(`case ${index}: ${(error as Error).stack}\n--- cluster.yml ---\n${text}`)
        expect(error.problems.length, `case ${index}`).toBeGreaterThan(0)
        for (const problem of error.problems)
          expect(problem.line === undefined || problem.line >= 1, `case ${index}: ${JSON.stringify(problem)}`).toBe(
            true,
          )
        outcomes.refused++
        continue
      }
      outcomes.accepted++
      try {
        const shown = JSON.stringify(planJson(buildPlan(cluster)))
        if (cluster.config.services.clickhouse?.password && cluster.config.services.clickhouse.password.length >= 4)
          expect(shown, `case ${index}`).not.toContain(cluster.config.services.clickhouse.password)
      } catch (error) {
        if (!(error instanceof UserError))
          throw new Error(`case ${index}: plan crashed: ${(error as Error).stack}\n--- cluster.yml ---\n${text}`)
      }
    }
    // Both sides are exercised: the mutations are not all fatal, nor all harmless.
    expect(outcomes.accepted).toBeGreaterThan(CASES / 20)
    expect(outcomes.refused).toBeGreaterThan(CASES / 4)
  })
})
