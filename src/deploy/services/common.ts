/** Helpers the service planners share: container commands, admin_cli calls, file writes. */
import {IMAGE_BIN_DIR, IMAGE_ETC_DIR} from '../../cluster/services.js'
import type {ServiceName} from '../../config/schema.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {action, type Action} from '../model.js'
import {renderTemplate, type TomlValue} from '../templates.js'

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
    context.runtime, 'run', '-d', '--name', name, '--network', 'host', '--restart', 'unless-stopped',
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
  const config = `${IMAGE_ETC_DIR}/${root ? 'admin_cli_root.toml' : 'admin_cli.toml'}`
  return [context.runtime, 'exec', context.containers.mgmtd, `${IMAGE_BIN_DIR}/admin_cli`, '-cfg', config, command].map(shellQuote).join(' ')
}

/** admin_cli reading commands from stdin (one per line): the output of each is checked, not the exit code. */
export function adminCliBatchCommand(context: DeployContext): string {
  return [context.runtime, 'exec', '-i', context.containers.mgmtd, `${IMAGE_BIN_DIR}/admin_cli`, '-cfg', `${IMAGE_ETC_DIR}/admin_cli_root.toml`].map(shellQuote).join(' ')
}

export function writeFile(node: string, service: ServiceName | 'host', path: string, content: string, options: {mode?: string; secret?: boolean; description?: string} = {}): Action {
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
  })
}

export function writeConfig(node: string, service: ServiceName, dir: string, template: string, values: Record<string, TomlValue | undefined>, options: {mode?: string; secret?: boolean} = {}): Action {
  return writeFile(node, service, `${dir}/${template}`, renderTemplate(template, values), options)
}

export function run(node: string, service: ServiceName | 'host', id: string, description: string, command: string, kind: Action['kind'] = 'run'): Action {
  return action({id: `${node}:${service}:${id}`, node, service, kind, description, command})
}

export function waitFor(node: string, service: ServiceName | 'host', id: string, description: string, command: string, until: string, timeoutMs: number): Action {
  return action({id: `${node}:${service}:wait:${id}`, node, service, kind: 'wait', description, command, until, timeoutMs})
}

/** The binary of a 3FS service with its launcher and app configs, as 3FS's systemd units start it. */
export function serviceArgs(binary: string, withApp = true): string[] {
  return [`${IMAGE_BIN_DIR}/${binary}`, '--launcher_cfg', `${IMAGE_ETC_DIR}/${binary}_launcher.toml`, ...(withApp ? ['--app-cfg', `${IMAGE_ETC_DIR}/${binary}_app.toml`] : [])]
}

/** Volumes every 3FS service container gets: its config dir, its log dir, and the fdb cluster file. */
export function threefsVolumes(context: DeployContext, service: ServiceName): Array<[string, string]> {
  return [
    [context.paths.etc(service), IMAGE_ETC_DIR],
    [context.paths.log(service), '/var/log/3fs'],
    [context.paths.fdbClusterFile, '/etc/foundationdb/fdb.cluster:ro'],
  ]
}
