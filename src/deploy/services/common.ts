/** Helpers the service planners share: container commands, admin_cli calls, file writes. */
import {adminCliExecArgv} from '../../cluster/admin-cli.js'
import {adminCliWaitCommand, type AdminCliWait} from '../../cluster/admin-cli-waits.js'
import {IMAGE_BIN_DIR, IMAGE_ETC_DIR} from '../../cluster/services.js'
import {renderShipped, type ConfigOverride} from '../../cluster/threefs-config/render.js'
import type {ServiceName} from '../../config/schema.js'
import {shellQuote, toShell} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {action, holdsSecret, sha256, type Action} from '../model.js'
import {secretDigest} from '../secret-digest.js'

export interface ContainerSpec {
  service: ServiceName
  image: string
  /** host path -> container path (":ro" suffix allowed on the container side). */
  volumes: Array<[string, string]>
  /** docker run options beyond the common ones. */
  options?: string[]
  /** The command inside the container. */
  args?: string[]
  envFile?: string
}

/** Removes a container of that name first, so a re-run after a failure starts clean. */
export function startContainerCommand(context: DeployContext, spec: ContainerSpec): string {
  const name = context.containers[spec.service]
  const run = [
    context.runtime,
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '--restart',
    'unless-stopped',
    ...(spec.envFile ? ['--env-file', spec.envFile] : []),
    ...(spec.options ?? []),
    ...spec.volumes.flatMap(([host, container]) => ['-v', `${host}:${container}`]),
    spec.image,
    ...(spec.args ?? []),
  ]
  return `${shellQuote(context.runtime)} rm -f ${shellQuote(name)} >/dev/null 2>&1 || true; ${run.map(shellQuote).join(' ')}`
}

/** One admin_cli command inside the mgmtd container (with the root token config when asked). */
export function adminCliCommand(context: DeployContext, command: string, root = false): string {
  return toShell([...adminCliExecArgv(context.runtime, context.containers.mgmtd, {root}), command])
}

/** admin_cli reading commands from stdin (one per line): the output of each is checked, not the exit code. */
export function adminCliBatchCommand(context: DeployContext): string {
  return toShell(adminCliExecArgv(context.runtime, context.containers.mgmtd, {root: true, stdin: true}))
}

export function writeFile(
  node: string,
  service: ServiceName | 'host',
  path: string,
  content: string,
  options: {mode?: string; secret?: boolean; redact?: string[]; description?: string} = {},
): Action {
  // An empty value would "redact" between every character.
  const redact = (options.redact ?? []).filter((value) => value !== '')
  return action({
    id: `${node}:${service}:write:${path}`,
    node,
    service,
    kind: 'write-file',
    description: options.description ?? `write ${path}`,
    path,
    content,
    mode: options.mode ?? '0644',
    ...(options.secret ? {secret: true} : {}),
    ...(redact.length > 0 ? {redact} : {}),
  })
}

/**
 * One of 3FS's config files, rendered whole from the file 3FS ships at the image's commit with only the
 * deployment's keys changed. The plan shows which keys differ from the shipped file; a secret value is
 * redacted wherever the content is shown, and a file holding one is written 0600.
 */
export function writeConfig(
  context: DeployContext,
  node: string,
  service: ServiceName,
  file: string,
  overrides: ConfigOverride[],
): Action {
  return writeConfigTo(context, node, service, context.paths.etc(service), file, overrides)
}

/** The same rendering, for a copy kept somewhere else (the main configs set-config reads on the admin node). */
export function writeConfigTo(
  context: DeployContext,
  node: string,
  service: ServiceName,
  dir: string,
  file: string,
  overrides: ConfigOverride[],
): Action {
  const rendered = renderShipped(context.threefsCommit, file, overrides)
  const written = writeFile(node, service, `${dir}/${file}`, rendered.text, {
    mode: rendered.secrets.length > 0 ? '0600' : '0644',
    redact: rendered.secrets,
  })
  return {...written, config: {file, commit: rendered.commit, changes: rendered.changes}}
}

/** The content hash of a rendered config, so that an action using the file runs again when it changes. */
export function contentTag(write: Action): string {
  // Keyed for a file holding a secret: the tag is part of a command shown in plans.
  return (holdsSecret(write) ? secretDigest(write.content ?? '') : sha256(write.content ?? '')).slice(0, 16)
}

export function run(
  node: string,
  service: ServiceName | 'host',
  id: string,
  description: string,
  command: string,
  kind: Action['kind'] = 'run',
): Action {
  return action({id: `${node}:${service}:${id}`, node, service, kind, description, command})
}

export function waitFor(
  node: string,
  service: ServiceName | 'host',
  id: string,
  description: string,
  command: string,
  until: string,
  timeoutMs: number,
): Action {
  return action({
    id: `${node}:${service}:wait:${id}`,
    node,
    service,
    kind: 'wait',
    description,
    command,
    until,
    timeoutMs,
  })
}

/**
 * A wait on admin_cli in the mgmtd container on the admin node: the command it polls follows from what it
 * waits for, and each poll's output is judged by src/cluster/admin-cli-waits.ts on the parsed table.
 * `tag` is appended to the command as a shell comment when the same wait must run again after another
 * action (rolling storage starts carry that start's fingerprint).
 */
export function waitForAdminCli(
  context: DeployContext,
  service: ServiceName,
  id: string,
  description: string,
  wait: AdminCliWait,
  timeoutMs: number,
  tag?: string,
): Action {
  const node = context.adminNode.name
  const command = adminCliCommand(context, adminCliWaitCommand(wait))
  return action({
    id: `${node}:${service}:wait:${id}`,
    node,
    service,
    kind: 'wait',
    description,
    command: tag ? `${command} # ${tag}` : command,
    adminCliWait: wait,
    timeoutMs,
  })
}

/** The binary of a 3FS service with its launcher and app configs, as 3FS's systemd units start it. */
export function serviceArgs(binary: string, withApp = true): string[] {
  return [
    `${IMAGE_BIN_DIR}/${binary}`,
    '--launcher_cfg',
    `${IMAGE_ETC_DIR}/${binary}_launcher.toml`,
    ...(withApp ? ['--app-cfg', `${IMAGE_ETC_DIR}/${binary}_app.toml`] : []),
  ]
}

/**
 * Volumes every 3FS service container gets, as m3fs runs them (pkg/task/steps/3fs_steps.go run args):
 * the host's /dev (RDMA and FUSE devices), its config dir at /opt/3fs/etc, its log dir at /var/log/3fs
 * (where 3FS's shipped files log), and what the network type needs.
 */
export function threefsVolumes(context: DeployContext, service: ServiceName): Array<[string, string]> {
  // The monitor collector speaks TCP only (its shipped file has a TCP listener group alone).
  return [
    ['/dev', '/dev'],
    [context.paths.etc(service), IMAGE_ETC_DIR],
    [context.paths.log(service), '/var/log/3fs'],
    ...(service === 'monitor' ? [] : rdmaVolumes(context)),
  ]
}

/** Where the host stage keeps what RXE and ERDMA containers need (m3fs keeps ibdev2netdev in <workDir>/bin). */
export function rdmaHostFiles(context: DeployContext): {ibdev2netdev: string; erdmaProvider: string} {
  return {
    ibdev2netdev: `${context.workDir}/bin/ibdev2netdev`,
    erdmaProvider: `${context.workDir}/lib/liberdma-rdmav34.so`,
  }
}

export const ERDMA_DRIVER_FILE = '/etc/libibverbs.d/erdma.driver'
export const ERDMA_PROVIDER_IN_CONTAINER = '/usr/lib/x86_64-linux-gnu/libibverbs/liberdma-rdmav34.so'

/**
 * RXE and ERDMA: 3FS finds a device's NIC with ibdev2netdev, which the image lacks, so one is mounted
 * (m3fs pkg/task/task.go GetRdmaVolumes: for every type but RDMA and IB); ERDMA also needs the host's
 * verbs provider and its driver file inside the container.
 */
export function rdmaVolumes(context: DeployContext): Array<[string, string]> {
  const files = rdmaHostFiles(context)
  const volumes: Array<[string, string]> = []
  if (context.networkType === 'RXE' || context.networkType === 'ERDMA')
    volumes.push([files.ibdev2netdev, '/usr/sbin/ibdev2netdev:ro'])
  if (context.networkType === 'ERDMA')
    volumes.push(
      [ERDMA_DRIVER_FILE, `${ERDMA_DRIVER_FILE}:ro`],
      [files.erdmaProvider, `${ERDMA_PROVIDER_IN_CONTAINER}:ro`],
    )
  return volumes
}

/**
 * docker run options of a 3FS service container: privileged (RDMA devices), nofile as m3fs sets it on
 * every 3FS container (1048576, pkg/task/steps/3fs_steps.go; 3FS's systemd units: LimitNOFILE=1000000),
 * and unlimited locked memory for services that register RDMA buffers (3FS's deploy guide: LimitMEMLOCK=infinity).
 */
export function threefsContainerOptions(rdma: boolean): string[] {
  return ['--privileged', '--ulimit', 'nofile=1048576:1048576', ...(rdma ? ['--ulimit', 'memlock=-1'] : [])]
}

/** 3FS's log level from cluster.yml's logLevel, on the root logging category ('.') of a main config. */
export function logLevelOverride(context: DeployContext): ConfigOverride {
  return {key: 'common.log.categories[categories=.].level', value: context.cluster.config.logLevel}
}

/** Where a 3FS service reports its metrics: the monitor_collector (3FS's shipped files leave it empty). */
export function monitorOverride(context: DeployContext): ConfigOverride {
  return {
    key: 'common.monitor.reporters[type=monitor_collector].monitor_collector.remote_ip',
    value: context.monitorAddress,
  }
}

/** The listener ports of a service's RDMA and TCP groups; on InfiniBand mgmtd's RDMA group is IPoIB. */
export function listenerOverrides(
  context: DeployContext,
  ports: {rdma: number; tcp: number},
  rdmaGroupType: 'RDMA' | 'IPoIB' = 'RDMA',
): ConfigOverride[] {
  return [
    ...(rdmaGroupType === 'RDMA'
      ? []
      : [{key: 'server.base.groups[network_type=RDMA].network_type', value: rdmaGroupType}]),
    {key: 'server.base.groups[network_type=RDMA].listener.listen_port', value: ports.rdma},
    {key: 'server.base.groups[network_type=TCP].listener.listen_port', value: ports.tcp},
  ]
}

/** The FoundationDB cluster file as 3FS services read it inside their container. */
export const FDB_CLUSTER_FILE_IN_CONTAINER = `${IMAGE_ETC_DIR}/fdb.cluster`

/**
 * set-config --type T: uploads a main config to mgmtd (meta, storage and fuse read theirs from mgmtd;
 * mgmtd hot-updates its own). The command carries the file's content hash, so a changed file is
 * uploaded again on a re-run instead of being skipped as applied.
 */
export function setConfigAction(
  context: DeployContext,
  type: 'MGMTD' | 'META' | 'STORAGE' | 'FUSE',
  write: Action,
  service: ServiceName,
): Action {
  const admin = context.adminNode.name
  const file = write.path!.slice(write.path!.lastIndexOf('/') + 1)
  return action({
    id: `${admin}:${service}:set-config:${type}`,
    node: admin,
    service,
    kind: 'admin-cli',
    description: `set-config --type ${type} (upload ${file} to mgmtd)`,
    command: `${adminCliCommand(context, `set-config --type ${type} --file ${IMAGE_ETC_DIR}/${file}`)} # ${file} sha256:${contentTag(write)}`,
    adminCli: true,
  })
}
