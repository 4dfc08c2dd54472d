/** Records when each node ran each graysort phase, passing every event on to the progress display. */
import type {GraysortReporter, Phase} from '../graysort/service.js'
import type {WorkerProgress} from '../worker.js'
import type {PhasePart, PhaseSpan} from './model.js'

/** Methods are bound (arrow properties): the services pass them on as plain callbacks. */
export class PhaseRecorder implements GraysortReporter {
  readonly spans: PhaseSpan[] = []

  constructor(private readonly inner: GraysortReporter = {}) {}

  phaseStarted = (phase: Phase, nodes: number): void => {
    this.inner.phaseStarted?.(phase, nodes)
  }

  phaseFinished = (phase: Phase, seconds: number): void => {
    this.inner.phaseFinished?.(phase, seconds)
  }

  progress = (progress: WorkerProgress): void => {
    this.inner.progress?.(progress)
  }

  nodePhase = (phase: Phase, node: string, startEpochMs: number, endEpochMs: number): void => {
    this.spans.push({node, phase, startEpochMs, endEpochMs})
  }

  /** Attaches the parts to the node's latest span of that phase (the worker reports them after the phase). */
  nodePhaseParts = (phase: Phase, node: string, parts: PhasePart[]): void => {
    const span = this.spans.findLast((entry) => entry.node === node && entry.phase === phase)
    if (span && parts.length > 0) span.parts = parts
  }
}
