/**
 * A deploy plan: ordered stages (one per step of 3FS's deploy order), each with actions per node. Nodes
 * of a stage run in parallel; a node's actions in a stage run in order; a stage starts when the one
 * before it finished everywhere. Every action has a fingerprint of what it does: applied actions are
 * recorded on their node under that fingerprint, so a re-run skips them and a changed action (new
 * config content, new image) runs again.
 */
import {createHash} from 'node:crypto'

import {secretDigest} from './secret-digest.js'

import type {AdminCliWait} from '../cluster/admin-cli-waits.js'
import type {ServiceName} from '../config/schema.js'

export type ActionKind =
  | 'mkdir'
  | 'write-file'
  | 'pull-image'
  | 'load-image'
  | 'prepare-disk'
  | 'run'
  | 'start-container'
  | 'admin-cli'
  | 'wait'
  | 'smoke-test'

export interface Action {
  /** Unique in the plan; stable across runs. */
  id: string
  node: string
  service: ServiceName | 'host'
  kind: ActionKind
  description: string
  /** write-file: where, what, mode. Secret content is shown redacted in plans. */
  path?: string
  content?: string
  mode?: string
  secret?: boolean
  /** write-file of a 3FS config: the file and 3FS commit it was rendered from, and the keys that differ. */
  config?: {
    file: string
    commit: string
    changes: Array<{key: string; shipped: string; value: string; secret?: boolean}>
  }
  /** Values in `content` that are secret: shown as <secret> wherever the content is shown. */
  redact?: string[]
  /** write-file whose content only exists at apply time (the admin token). */
  contentFrom?: {node: string; path: string; template?: string}
  /** load-image: local artifact tarball uploaded first to `path`. */
  uploadFrom?: string
  /** Shell command run as root on the node. */
  command?: string
  /** admin-cli: the output is checked for `Encounter error` (its exit code is not trusted). */
  adminCli?: boolean
  /** admin-cli: an error whose "code(Name) message" matches this regex means the work is already done (a re-run). */
  alreadyDone?: string
  /**
   * Shell run after `command` succeeded and before the action is recorded; a failure fails the action.
   * Not part of the fingerprint: it judges the outcome, it does not change what the action does.
   */
  verifyAfter?: string
  /** Fed to the command's stdin (admin_cli batches). */
  stdin?: string
  /** user-add: the token is captured from the output and written to these files (mode 0600). */
  captureToken?: {tokenFile: string; adminConfig: string; adminConfigBase: string}
  /**
   * wait before a storage node's rolled start: the command prints list-targets, GUARD_SEPARATOR and
   * list-chains; a chain whose last SERVING replica is on that node fails the wait at once, with the reason.
   * The wait itself (`adminCliWait`) is judged on the list-chains part.
   */
  chainGuard?: {node: string; storageId: number}
  /** wait: poll `command` until its output matches this regex (plain command output), or fail after timeoutMs. */
  until?: string
  /** wait on admin_cli: poll `command` until its parsed output shows this (judged in src/cluster/admin-cli-waits.ts). */
  adminCliWait?: AdminCliWait
  timeoutMs?: number
  /** Skip the recorded-state check: run every time (smoke tests, destroy's steps). */
  always?: boolean
  /** Changes nothing on the node (a check such as the smoke test): a re-run counts it as verified, not as a change. */
  verifies?: boolean
  /** Starts a new step of its stage: it runs only after every node finished the actions before it. */
  barrier?: boolean
  /** Runs only in a deploy where that action (on its node) was not already applied when the deploy began. */
  runsWith?: {node: string; fingerprint: string}
  fingerprint: string
}

export interface Stage {
  name: string
  service: ServiceName | 'host'
  actions: Action[]
}

export interface Plan {
  cluster: string
  stateDir: string
  stages: Stage[]
  /** The node ids and chain generations this plan was built with (recorded when it is applied). */
  layout?: import('./layout.js').ClusterLayout
  /** Fingerprints already applied per node according to the record beside cluster.yml (--plan hides them). */
  recorded?: Record<string, string[]>
}

type ActionInput = Omit<Action, 'fingerprint'>

export function action(input: ActionInput): Action {
  const defining = {
    id: input.id,
    kind: input.kind,
    path: input.path,
    // Content holding a secret enters only through a keyed digest: the fingerprint is shown in plans.
    content: input.content !== undefined && holdsSecret(input) ? `keyed:${secretDigest(input.content)}` : input.content,
    mode: input.mode,
    contentFrom: input.contentFrom,
    uploadFrom: input.uploadFrom,
    command: input.command,
    stdin: input.stdin,
    until: input.until,
    adminCliWait: input.adminCliWait,
  }
  return {...input, fingerprint: createHash('sha256').update(JSON.stringify(defining)).digest('hex').slice(0, 20)}
}

/** An action whose content holds a secret value (the whole file, or values redacted where it is shown). */
export function holdsSecret(action: Pick<Action, 'secret' | 'redact'>): boolean {
  return action.secret === true || (action.redact?.length ?? 0) > 0
}

export function barrier(action: Action): Action {
  return {...action, barrier: true}
}

/** A stage's actions cut at barriers: the steps run one after another, each across its nodes at once. */
export function stageSteps(stage: Stage): Action[][] {
  const steps: Action[][] = []
  for (const action of stage.actions) {
    if (action.barrier || steps.length === 0) steps.push([])
    steps[steps.length - 1]!.push(action)
  }
  return steps
}

export function allActions(plan: Plan): Action[] {
  return plan.stages.flatMap((stage) => stage.actions)
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
