/**
 * Before a benchmark on cluster nodes that may use usrbio: `ldd` of libhf3fs_api_shared.so on every
 * node, so that a node missing one of the libraries it needs is named with the package to install,
 * instead of usrbio failing to load there (and `auto` quietly benchmarking io_uring through FUSE).
 */
import {UserError} from '../errors.js'
import {fanOut, valuesOrThrow} from '../remote/fanout.js'
import {aptInstallHint, describeMissing, libraryDependencies} from '../remote/library-deps.js'
import type {BenchTarget} from './target.js'

// The places the native worker tries after --usrbio-lib and THREEFS_USRBIO_LIB
// (native/src/core/usrbio_engine.cc); a bare-name dlopen also finds what ldconfig registered.
const USUAL_LIBRARIES = [
  '/opt/3fs/lib/libhf3fs_api_shared.so',
  '/opt/3fs/bin/libhf3fs_api_shared.so',
  '/usr/local/lib/libhf3fs_api_shared.so',
]

export async function checkUsrbioLibraries(
  target: BenchTarget,
  options: {engine?: string; usrbioLibrary?: string; signal?: AbortSignal},
): Promise<void> {
  if (target.local) return
  const engine = options.engine ?? 'auto'
  if (engine !== 'auto' && engine !== 'usrbio') return
  const files = options.usrbioLibrary ? [options.usrbioLibrary] : USUAL_LIBRARIES
  const perNode = valuesOrThrow(
    await fanOut(
      target.nodes,
      async (node, signal) => ({node: node.name, deps: await libraryDependencies(node.host, files, {signal})}),
      {concurrency: target.nodes.length, signal: options.signal},
    ),
  )
  // A node is unfit when every library it has lacks something (the worker tries them in order).
  const unfit = perNode.filter(({deps}) => deps.length > 0 && deps.every((entry) => entry.missing.length > 0))
  if (unfit.length === 0) return
  throw new UserError(
    `usrbio cannot load on ${unfit.map(({node, deps}) => `${node} (missing ${describeMissing(deps)})`).join('; ')}`,
    {
      next: [
        `Install them: ${aptInstallHint(unfit.flatMap(({deps}) => deps)) || 'find the packages with apt-file search'}.`,
        ...(engine === 'auto' ? ['Or bench without usrbio: --engine io_uring.'] : []),
      ],
    },
  )
}
