#!/usr/bin/env node
/**
 * Hand-written mutations of native/src/core (valsort, gensort, partition, sorter), applied one at a time
 * to a copy of the project: the worker is rebuilt there and the tests that should notice are run; every
 * mutant must make them fail. Run with `npm run test:mutation:native` (slow: one incremental C++ build
 * and one test file per mutant; MUTANT=<id> runs one). The working tree is never touched.
 *
 * A mutation names an exact text that must occur once in its file (so the list fails loudly when the code
 * moves on) and the vitest name filter of the tests that pin it.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const TEST = 'test/unit/worker-graysort.test.ts'

const MUTANTS = [
  // valsort.cc: merging the summaries of consecutive steps, pieces and files.
  {
    id: 'valsort-boundary-firstKey',
    file: 'valsort.cc',
    from: 'if (later.firstKey < earlier.lastKey) {',
    to: 'if (later.firstKey < earlier.firstKey) {',
    tests: 'internal boundaries',
  },
  {
    id: 'valsort-boundary-index',
    file: 'valsort.cc',
    from: 'if (merged.firstUnordered < 0) merged.firstUnordered = boundary;',
    to: 'if (merged.firstUnordered < 0) merged.firstUnordered = boundary + 1;',
    tests: 'internal boundaries',
  },
  {
    id: 'valsort-boundary-duplicate',
    file: 'valsort.cc',
    from: '} else if (later.firstKey == earlier.lastKey) {\n    ++merged.duplicates;',
    to: '} else if (later.firstKey == earlier.lastKey) {',
    tests: 'duplicate',
  },
  {
    id: 'valsort-later-offset',
    file: 'valsort.cc',
    from: 'merged.firstUnordered = boundary + later.firstUnordered;',
    to: 'merged.firstUnordered = later.firstUnordered;',
    tests: 'internal boundaries',
  },
  {
    id: 'valsort-merged-checksum',
    file: 'valsort.cc',
    from: 'merged.checksum += later.checksum;',
    to: '',
    tests: 'keeps every record',
  },
  {
    id: 'valsort-duplicate-as-unordered',
    file: 'valsort.cc',
    from: 'if (key < previous) {',
    to: 'if (key <= previous) {',
    tests: 'duplicate',
  },
  {
    id: 'valsort-unordered-within',
    file: 'valsort.cc',
    from: 'if (summary.unordered++ == 0) summary.firstUnordered = static_cast<int64_t>(i);',
    to: 'if (summary.unordered++ == 0) summary.firstUnordered = static_cast<int64_t>(i - 1);',
    tests: 'internal boundaries|reordered',
  },
  // gensort.cc: byte-for-byte gensort output.
  {id: 'gensort-part-constant', file: 'gensort.cc', from: '0xD1CC', to: '0xD1CD', tests: 'gensort'},
  {
    id: 'gensort-window-advance',
    file: 'gensort.cc',
    from: 'const u128 newest = window_[(head_ + 9) % 10];',
    to: 'const u128 newest = window_[(head_ + 8) % 10];',
    tests: 'gensort',
  },
  {id: 'gensort-ascii-cr', file: 'gensort.cc', from: "out[98] = '\\r';", to: "out[98] = ' ';", tests: 'gensort -a'},
  {
    id: 'gensort-checksum-sum',
    file: 'gensort.cc',
    from: 'for (std::size_t i = 0; i < count; ++i) sum += crc32(',
    to: 'for (std::size_t i = 0; i < count; ++i) sum ^= crc32(',
    tests: 'gensort 100000',
  },
  // partition.cc: splitters from a sample and a key's partition.
  {
    id: 'partition-sample-quantile',
    file: 'partition.cc',
    from: 'sample[static_cast<std::size_t>(sample.size()) * i / partitions]',
    to: 'sample[static_cast<std::size_t>(sample.size()) * i / (partitions + 1)]',
    tests: 'balanced',
  },
  {
    id: 'partition-prefix-table',
    file: 'partition.cc',
    from: 'firstByPrefix_[prefix] = static_cast<uint32_t>(p);',
    to: 'firstByPrefix_[prefix] = static_cast<uint32_t>(p + (p < splitters_.size() ? 1 : 0));',
    tests: 'balanced',
  },
  {
    id: 'partition-cursor-order',
    file: 'partition.cc',
    from: 'cursors[t][p] = offset;\n      offset += n;',
    to: 'offset += n;\n      cursors[t][p] = offset - n + (n > 0 ? 1 : 0);',
    tests: 'concatenation is ordered|many map runs',
  },
  // sorter.cc: radix buckets, then a comparison sort on all 10 key bytes.
  {
    id: 'sorter-ignore-low-bytes',
    file: 'sorter.cc',
    from: '(a.high == b.high && a.low < b.low)',
    to: '(a.high == b.high && a.low > b.low)',
    tests: 'last bytes',
  },
  {
    id: 'sorter-insertion-first',
    file: 'sorter.cc',
    from: 'while (j > begin && entryLess(value, *(j - 1))) {',
    to: 'while (j > begin + 1 && entryLess(value, *(j - 1))) {',
    tests: 'concatenation is ordered',
  },
  {
    id: 'sorter-histogram-bucket',
    file: 'sorter.cc',
    from: '++histogram[bucketOf(keyOf(record).high)];',
    to: '++histogram[bucketOf(keyOf(record).high) / 2];',
    tests: 'concatenation is ordered',
  },
  {
    id: 'sorter-bucket-below-range',
    file: 'sorter.cc',
    from: 'if (key <= low) return 0;',
    to: 'if (key <= low) return 1;',
    tests: 'concatenation is ordered',
  },
]

function sh(command, args, options = {}) {
  return spawnSync(command, args, {encoding: 'utf8', maxBuffer: 64 << 20, ...options})
}

function buildWorker(copy) {
  const built = sh('make', ['-C', join(copy, 'native', 'build'), 'BUILDTYPE=Release', '3fs-worker'], {
    env: {...process.env, MAKEFLAGS: `-j${process.env.JOBS ?? '1'}`},
  })
  if (built.status !== 0)
    return (
      built.stderr
        .split('\n')
        .filter((line) => /error/.test(line))
        .slice(0, 3)
        .join('\n') || `make exited ${built.status}`
    )
  return undefined
}

function runTests(copy, filter) {
  const result = sh(process.execPath, [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', TEST, '-t', filter], {
    cwd: copy,
    env: {...process.env, TMPDIR: join(copy, 'tmp')},
  })
  // eslint-disable-next-line no-control-regex -- matches control characters on purpose
  const summary = (result.stdout.match(/Tests\s+.*$/m)?.[0] ?? '').replace(/\x1b\[[0-9;]*m/g, '')
  return {failed: result.status !== 0, summary}
}

const only = process.env.MUTANT
const selected = MUTANTS.filter((mutant) => !only || mutant.id === only)
if (selected.length === 0) throw new Error(`no mutant ${only}; known: ${MUTANTS.map((mutant) => mutant.id).join(', ')}`)

const copy = mkdtempSync(join(tmpdir(), '3fs-cli-native-mutants-'))
const cleanup = () => rmSync(copy, {recursive: true, force: true})
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})
try {
  for (const entry of ['src', 'test', 'templates', 'package.json', 'tsconfig.json', 'vitest.config.ts'])
    cpSync(join(ROOT, entry), join(copy, entry), {recursive: true})
  cpSync(join(ROOT, 'native'), join(copy, 'native'), {
    recursive: true,
    filter: (path) => !path.startsWith(join(ROOT, 'native', 'build')),
  })
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  execFileSync('mkdir', ['-p', join(copy, 'tmp')])
  console.log(`copy in ${copy}; configuring and building the worker once`)
  // The Node headers the project's own build used (npm's nodedir setting), so configure needs no download.
  const nodedir = /"nodedir": "([^"]+)"/.exec(readFileSync(join(ROOT, 'native', 'build', 'config.gypi'), 'utf8'))?.[1]
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      'configure',
      '--directory',
      join(copy, 'native'),
      ...(nodedir ? [`--nodedir=${nodedir}`] : []),
    ],
    {stdio: ['ignore', 'ignore', 'inherit']},
  )
  const baseBuild = buildWorker(copy)
  if (baseBuild) throw new Error(`the unmutated worker does not build: ${baseBuild}`)
  const everyFilter = [...new Set(selected.map((mutant) => mutant.tests))].join('|')
  const baseline = runTests(copy, everyFilter)
  if (baseline.failed) throw new Error(`the tests "${everyFilter}" fail without any mutation (${baseline.summary})`)
  console.log('baseline: the selected tests pass on the unmutated worker')

  const survived = []
  for (const mutant of selected) {
    const path = join(copy, 'native', 'src', 'core', mutant.file)
    const original = readFileSync(path, 'utf8')
    const at = original.indexOf(mutant.from)
    if (at < 0 || original.indexOf(mutant.from, at + 1) >= 0)
      throw new Error(
        `${mutant.id}: the text to mutate occurs ${at < 0 ? 'nowhere' : 'more than once'} in ${mutant.file}; update the list`,
      )
    writeFileSync(path, original.slice(0, at) + mutant.to + original.slice(at + mutant.from.length))
    try {
      const buildError = buildWorker(copy)
      if (buildError) {
        console.log(`KILLED  ${mutant.id} (does not compile: ${buildError.split('\n')[0]})`)
        continue
      }
      const {failed, summary} = runTests(copy, mutant.tests)
      if (failed) console.log(`KILLED  ${mutant.id} (${summary})`)
      else {
        console.log(`SURVIVED ${mutant.id}: ${mutant.file}: "${mutant.from}" -> "${mutant.to}" (${summary})`)
        survived.push(mutant.id)
      }
    } finally {
      writeFileSync(path, original)
    }
  }
  console.log(`${selected.length - survived.length}/${selected.length} native mutants killed`)
  if (survived.length > 0) process.exitCode = 1
} finally {
  cleanup()
}
