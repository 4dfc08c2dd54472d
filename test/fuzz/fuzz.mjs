// `npm run fuzz`: the long fuzz/property run of issue 15 over every command's flags and cluster.yml
// (see engine.mjs for the properties). FUZZ_ITERATIONS cases (default 200) of FUZZ_SEED (default: the
// time), FUZZ_CONCURRENCY at once (default 2), FUZZ_BOUND_MS per case (default 30000). Reproduce one
// case with FUZZ_SEED=S FUZZ_FROM=N FUZZ_ITERATIONS=1. Needs `npm run build` first. Exit 1 on a violation.
import {fuzzCase} from './engine.mjs'

const iterations = Number(process.env.FUZZ_ITERATIONS ?? 200)
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
const from = Number(process.env.FUZZ_FROM ?? 0)
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 2)
const boundMs = Number(process.env.FUZZ_BOUND_MS ?? 30_000)

console.log(
  `fuzz: seed ${seed}, cases ${from}..${from + iterations - 1}, ${concurrency} at a time, bound ${boundMs} ms`,
)
const started = performance.now()
const codes = new Map()
const failures = []
let next = from
async function worker() {
  while (next < from + iterations) {
    const index = next++
    const outcome = await fuzzCase(seed, index, {boundMs})
    const code = outcome.result.killed ? 'killed' : outcome.result.exitCode
    codes.set(code, (codes.get(code) ?? 0) + 1)
    if (outcome.problems.length > 0) {
      failures.push(outcome)
      console.log(
        `FAIL case ${index}: ${JSON.stringify(outcome.argv)}\n  ${outcome.problems.join('\n  ')}\n  sandbox kept: ${outcome.sandbox}\n  reproduce: FUZZ_SEED=${seed} FUZZ_FROM=${index} FUZZ_ITERATIONS=1 npm run fuzz`,
      )
    }
  }
}
await Promise.all(Array.from({length: concurrency}, worker))
const seconds = (performance.now() - started) / 1000
console.log(
  `fuzz: ${iterations} cases in ${seconds.toFixed(1)} s (${(iterations / seconds).toFixed(2)}/s); exit codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}; ${failures.length} failing`,
)
process.exit(failures.length > 0 ? 1 : 0)
