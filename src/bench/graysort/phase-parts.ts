/** The map and reduce parts of one node's sort-node result, named for the report (zero-length parts left out). */
import type {PhasePart} from '../results/model.js'
import type {WorkerResult} from '../worker-protocol.js'

type SortNodeResult = WorkerResult<'sortNode'>

function parts(entries: Array<[string, number | undefined]>): PhasePart[] {
  return entries.flatMap(([name, seconds]) => (seconds !== undefined && seconds > 0 ? [{name, seconds}] : []))
}

export function sortNodeParts(result: SortNodeResult): {map: PhasePart[]; reduce: PhasePart[]} {
  return {
    // native/src/core/shuffle.cc: runMap's partition thread waits for reads, for fresh arena pages (in
    // memory) and for writes; the rest of its time is partitioning.
    map: parts([
      ['read wait', result.mapReadWaitSeconds],
      ['partition', result.mapPartitionSeconds],
      ['page wait', result.mapPopulateWaitSeconds],
      ['write wait', result.mapWriteWaitSeconds],
    ]),
    reduce: parts([
      ['read wait', result.reduceReadWaitSeconds],
      ['sort', result.reduceSortSeconds],
      ['write wait', result.reduceWriteSeconds],
    ]),
  }
}
