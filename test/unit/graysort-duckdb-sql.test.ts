/**
 * The SQL each node's duckdb-3fs runs in `bench graysort run --impl duckdb -c`: key-range bounds that put
 * every record in exactly one partition even when keys hold quotes or backslashes (checked in real DuckDB),
 * 3fs:// paths for every file, and the statement times and record count read back from the CLI's output.
 */
import {DuckDBInstance} from '@duckdb/node-api'
import {describe, expect, it} from 'vitest'

import {bound, nodeSortSql, parseNodeSortOutput} from '../../src/bench/graysort/duckdb-cluster.js'

describe('graysort on duckdb-3fs: the node script', () => {
  it('partition bounds cover every line once, in key order, with quotes and backslashes in keys (real DuckDB)', async () => {
    const keys = [
      "  '''''''",
      "'\\\\'abcdefg",
      'AAAAAAAAAA',
      "AAAAAAAAA'",
      'zzzzzzzzzz',
      '~~~~~~~~~~',
      '\\\\\\\\\\\\\\\\\\\\',
    ]
    const lines = keys.map((key, index) => `${key}  ${String(index).padStart(32, '0')}`)
    const splitters = ["AAAAAAAAA'", 'AAAAAAAAAA', 'zzzzzzzzzz']
    const db = await DuckDBInstance.create(':memory:')
    const connection = await db.connect()
    await connection.run('CREATE TABLE records (line VARCHAR)')
    for (const line of lines) await connection.run(`INSERT INTO records VALUES ('${line.replace(/'/g, "''")}')`)
    const seen: string[] = []
    for (let partition = 0; partition <= splitters.length; partition++) {
      const lower = partition === 0 ? undefined : splitters[partition - 1]
      const upper = splitters[partition]
      const reader = await connection.runAndReadAll(
        `SELECT line FROM records WHERE ${bound('line', lower, upper)} ORDER BY line`,
      )
      const rows = reader.getRows().map((row) => String(row[0]))
      for (const row of rows) {
        const key = row.slice(0, 10)
        if (lower !== undefined) expect(key >= lower, `${key} in partition ${partition}`).toBe(true)
        if (upper !== undefined) expect(key < upper, `${key} in partition ${partition}`).toBe(true)
      }
      seen.push(...rows)
    }
    connection.closeSync()
    db.closeSync()
    // Every line exactly once, and the partitions in order make the whole sorted sequence (byte order).
    expect(seen).toEqual([...lines].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0 ? -1 : 1)))
  })

  it('reads and writes every file through 3fs:// and bounds only the inner ends of the node range', () => {
    const script = nodeSortSql({
      inputs: ['/3fs/graysort/run-1/input/input-00000.dat', '/3fs/graysort/run-1/input/input-00001.dat'],
      outputs: ['/3fs/o/part-00000.dat', '/3fs/o/part-00001.dat', '/3fs/o/part-00002.dat', '/3fs/o/part-00003.dat'],
      splitters: ['DDDDDDDDDD', "it's-key-", 'kkkkkkkkkk'],
      firstPartition: 0,
      endPartition: 2,
      threads: 3,
    })
    const lines = script.split('\n')
    expect(lines).toContain('SET threads = 3;')
    const create = lines.find((line) => line.startsWith('CREATE TABLE records'))!
    expect(create).toContain(
      "['3fs://3fs/graysort/run-1/input/input-00000.dat', '3fs://3fs/graysort/run-1/input/input-00001.dat']",
    )
    // Node 0 of 2: no lower bound; its upper bound is the second splitter, the quote doubled.
    expect(create).toMatch(/WHERE line < 'it''s-key-';$/)
    const copies = lines.filter((line) => line.startsWith('COPY'))
    expect(copies).toHaveLength(2)
    expect(copies[0]).toContain("WHERE line < 'DDDDDDDDDD' ORDER BY line) TO '3fs://3fs/o/part-00000.dat'")
    expect(copies[1]).toContain(
      "WHERE line >= 'DDDDDDDDDD' AND line < 'it''s-key-' ORDER BY line) TO '3fs://3fs/o/part-00001.dat'",
    )
    const last = nodeSortSql({
      inputs: ['/3fs/i'],
      outputs: ['/3fs/o/part-00000.dat', '/3fs/o/part-00001.dat'],
      splitters: ['mmmmmmmmmm'],
      firstPartition: 1,
      endPartition: 2,
      threads: 1,
    })
    expect(last).toMatch(/WHERE line >= 'mmmmmmmmmm';\n/)
    expect(last).not.toContain('part-00000')
  })

  it('reads the statement times and the record count the CLI printed', () => {
    const output = [
      'Run Time (s): real 0.001 user 0.000000 sys 0.000000',
      'Run Time (s): real 1.250 user 2.000000 sys 0.100000',
      'Run Time (s): real 0.500 user 0.000000 sys 0.000000',
      'records,41943',
      'Run Time (s): real 0.010 user 0.000000 sys 0.000000',
    ].join('\n')
    expect(parseNodeSortOutput(output)).toEqual({seconds: [0.001, 1.25, 0.5, 0.01], records: 41943})
    expect(parseNodeSortOutput('Error: nothing').records).toBeUndefined()
  })
})
