/** Every preflight check, in the order a report lists them. A new check is a rule module added here. */
import type {PreflightRule} from './model.js'
import {fuseRule, mountpointRule, propagationRule, shmRule} from './rules/client.js'
import {kernelRule, runtimeRule} from './rules/engine.js'
import {cpuRule, nicRule, rdmaRule} from './rules/hardware.js'
import {librariesRule} from './rules/libraries.js'
import {memlockRule, nofileRule} from './rules/limits.js'
import {portsRule} from './rules/ports.js'
import {aioRule, disksRule} from './rules/storage.js'

export const PREFLIGHT_RULES: readonly PreflightRule[] = [
  runtimeRule,
  kernelRule,
  cpuRule,
  rdmaRule,
  nicRule,
  portsRule,
  disksRule,
  aioRule,
  nofileRule,
  memlockRule,
  fuseRule,
  shmRule,
  mountpointRule,
  propagationRule,
  librariesRule,
]

/** ssh and sudo are judged from whether the probe ran; the rest by their rules. */
export const CHECK_NAMES = ['ssh', 'sudo', ...PREFLIGHT_RULES.map((rule) => rule.check)] as const
