/**
 * GraySort with DuckDB as the sorter (the seed's method): the same records in gensort's ASCII form,
 * read with read_csv, ORDER BY, and written with COPY, one output file per key range, then checked by
 * the same validator as the native sort. This is the run on this machine, with DuckDB itself
 * (@duckdb/node-api); on a cluster it is duckdb-cluster.ts, with the `duckdb-3fs` command on the nodes.
 */
import {mkdir, rm} from 'node:fs/promises'
import {posix} from 'node:path'
import {performance} from 'node:perf_hooks'

import {UserError} from '../../errors.js'
import type {BenchTarget} from '../target.js'
import {planGraysort} from './plan.js'
import {
  generateInput,
  validateFiles,
  runReport,
  type GraysortReporter,
  type PhaseTiming,
  type RunOptions,
  type RunReport,
} from './service.js'

const sql = (text: string) => `'${text.replace(/'/g, "''")}'`

async function openDuckdb(): Promise<typeof import('@duckdb/node-api')> {
  try {
    return await import('@duckdb/node-api')
  } catch (error) {
    throw new UserError('--impl duckdb needs the npm package @duckdb/node-api beside 3fs-cli', {
      next: "Install it with `npm install @duckdb/node-api` in 3fs-cli's directory.",
      cause: error,
    })
  }
}

export async function runGraysortDuckdb(
  target: BenchTarget,
  options: RunOptions,
  reporter: GraysortReporter = {},
): Promise<RunReport> {
  if (!target.local)
    throw new Error('runGraysortDuckdb runs on this machine; a cluster run is runGraysortDuckdbCluster')
  const node = target.nodes[0]!
  const dir = (name: string) => posix.join(target.dir, name)
  const input = await generateInput(
    target,
    {dir: dir('input'), start: 0n, records: options.records, mode: 'ascii', signal: options.signal},
    reporter,
  )
  const plan = planGraysort({
    records: options.records,
    nodes: 1,
    cores: node.cores,
    memoryBytes: options.memoryBytes ?? node.memoryBytes,
    partitions: options.partitions,
    shuffle: 'files',
  })
  const partitions = plan.partitions
  const outputs = Array.from({length: partitions}, (_, partition) =>
    posix.join(dir('output'), `part-${String(partition).padStart(5, '0')}.dat`),
  )
  try {
    const {DuckDBInstance} = await openDuckdb()
    await mkdir(dir('output'), {recursive: true})
    await mkdir(dir('work'), {recursive: true})
    const db = await DuckDBInstance.create(':memory:', {
      threads: String(node.cores),
      memory_limit: `${Math.max(256, Math.floor(plan.memoryPerNodeBytes / 2 ** 20))}MB`,
      temp_directory: dir('work'),
    })
    const connection = await db.connect()
    const timings: PhaseTiming[] = []
    const timed = async (phase: 'map' | 'reduce', work: () => Promise<void>) => {
      reporter.phaseStarted?.(phase, 1)
      const start = Date.now()
      const started = performance.now()
      await work()
      const seconds = (performance.now() - started) / 1000
      timings.push({phase, seconds})
      reporter.nodePhase?.(phase, node.name, start, Date.now())
      reporter.phaseFinished?.(phase, seconds)
    }
    try {
      // Each 100-byte record is one line of 98 printable characters and CRLF; \x01 never occurs in it.
      const files = `[${input.files.map(sql).join(', ')}]`
      await timed('map', () =>
        connection
          .run(
            `CREATE TABLE records AS SELECT line FROM read_csv(${files}, columns={'line': 'VARCHAR'}, delim='\\x01', quote='', escape='', header=false, new_line='\\r\\n', strict_mode=false, parallel=true)`,
          )
          .then(() => undefined),
      )
      await timed('reduce', async () => {
        await connection.run(
          `CREATE TABLE sorted AS SELECT line, (row_number() OVER (ORDER BY line) - 1) * ${partitions} // ${options.records} AS part FROM records`,
        )
        await connection.run('DROP TABLE records')
        for (const [partition, file] of outputs.entries()) {
          options.signal?.throwIfAborted()
          await connection.run(
            `COPY (SELECT line FROM sorted WHERE part = ${partition} ORDER BY line) TO ${sql(file)} (FORMAT csv, header false, quote '', escape '', delim '\\x01', new_line '\\r\\n')`,
          )
        }
      })
    } finally {
      connection.closeSync()
      db.closeSync()
    }
    const sortSeconds = timings.reduce((sum, timing) => sum + timing.seconds, 0)
    const validation = await validateFiles(target, outputs, reporter, options.signal)
    return runReport({
      engine: 'duckdb',
      nodes: [node.name],
      records: options.records,
      partitions,
      input,
      sort: {seconds: sortSeconds, timings},
      validation,
      dir: target.dir,
      kept: options.keep,
    })
  } finally {
    if (!options.keep) {
      // Only what this run created, as the native run does.
      const created = target.dirIsTemporary ? [target.dir] : [dir('input'), dir('output'), dir('work')]
      await Promise.all(created.map((path) => rm(path, {recursive: true, force: true})))
    }
  }
}
