/**
 * The fuse client: token and configs, set-config --type FUSE, the container with the mount propagated
 * to the host (rshared) and the host's /dev/shm shared (usrbio rings live there), a wait for the
 * fuse.hf3fs mount, and a write/read smoke test on it.
 */
import {IMAGE_ETC_DIR} from '../../cluster/services.js'
import {nodesOf} from '../../config/model.js'
import {shellQuote} from '../../remote/shell.js'
import type {DeployContext} from '../context.js'
import {action, barrier, type Action} from '../model.js'
import {withRunningCheck} from './rolling.js'
import {
  logLevelOverride,
  monitorOverride,
  run,
  setConfigAction,
  startContainerCommand,
  threefsContainerOptions,
  threefsVolumes,
  waitFor,
  writeConfig,
  writeConfigTo,
} from './common.js'

export function smokeTestCommand(mountpoint: string, node: string): string {
  const file = `${mountpoint}/.3fs-cli-smoke-${node.replace(/[^A-Za-z0-9_.-]/g, '_')}`
  return [
    'set -e',
    `f=${shellQuote(file)}`,
    'head -c 4194304 /dev/urandom > /tmp/.3fs-cli-smoke.$$',
    'cp /tmp/.3fs-cli-smoke.$$ "$f"',
    'sync "$f" 2>/dev/null || true',
    'a=$(sha256sum < /tmp/.3fs-cli-smoke.$$); b=$(sha256sum < "$f")',
    'rm -f "$f" /tmp/.3fs-cli-smoke.$$',
    '[ "$a" = "$b" ] || { echo "read back differs from what was written" >&2; exit 1; }',
    'echo "4 MiB written and read back intact"',
  ].join('\n')
}

/**
 * A node taken out of services.client: its container stopped, 3FS unmounted, and its client actions
 * forgotten on the node, so that listing it again later mounts it again. Only nodes still under
 * `nodes:` can be reached; the id in the action makes each retirement a new action.
 */
function retireActions(context: DeployContext): Action[] {
  const known = new Set(context.cluster.nodes.map((node) => node.name))
  const rt = shellQuote(context.runtime)
  const mp = shellQuote(context.mountpoint)
  return Object.entries(context.layout.retiredClients ?? {})
    .filter(([name]) => known.has(name))
    .map(([name, id]) =>
      run(
        name,
        'client',
        `retire:${id}`,
        `unmount ${context.mountpoint} and remove ${context.containers.client} (taken out of services.client)`,
        [
          `${rt} rm -f ${shellQuote(context.containers.client)} >/dev/null 2>&1 || true`,
          `if [ "$(findmnt -n -o FSTYPE --mountpoint ${mp} 2>/dev/null)" = fuse.hf3fs ]; then umount ${mp} 2>/dev/null || umount -l ${mp}; fi`,
          // Markers hold the action id (state.ts markerCommand): forget this node's client actions.
          `grep -l -F ':client:' ${shellQuote(context.paths.state)}/* 2>/dev/null | xargs -r rm -f`,
        ].join('\n'),
      ),
    )
}

export function clientActions(context: DeployContext): Action[] {
  const nodes = nodesOf(context.cluster, 'client')
  if (nodes.length === 0) return retireActions(context)
  const admin = context.adminNode.name
  const main = [
    logLevelOverride(context),
    monitorOverride(context),
    {key: 'mgmtd.mgmtd_server_addresses', value: context.mgmtdAddresses},
  ]
  const adminCopy = writeConfigTo(context, admin, 'client', context.paths.etc('mgmtd'), 'hf3fs_fuse_main.toml', main)
  const actions: Action[] = [adminCopy, setConfigAction(context, 'FUSE', adminCopy, 'client')]
  const mp = context.mountpoint
  for (const [index, node] of nodes.entries()) {
    const token = action({
      id: `${node.name}:client:write:${context.paths.clientToken}`,
      node: node.name,
      service: 'client',
      kind: 'write-file',
      description: `write the token file ${context.paths.clientToken} (0600, from the admin node)`,
      path: context.paths.clientToken,
      mode: '0600',
      secret: true,
      contentFrom: {node: admin, path: context.paths.token},
    })
    const start = run(
      node.name,
      'client',
      'start',
      `start ${context.containers.client} (mount ${mp}, shared propagation, host /dev/shm)`,
      startContainerCommand(context, {
        service: 'client',
        image: context.images.threefs,
        options: [
          ...threefsContainerOptions(true),
          '--mount',
          `type=bind,source=${mp},target=${mp},bind-propagation=rshared`,
        ],
        volumes: [...threefsVolumes(context, 'client'), ['/dev/shm', '/dev/shm']],
        args: ['/opt/3fs/bin/hf3fs_fuse_main', '--launcher_cfg', `${IMAGE_ETC_DIR}/hf3fs_fuse_main_launcher.toml`],
      }),
      'start-container',
    )
    const mounted = waitFor(
      node.name,
      'client',
      'mounted',
      `wait until ${mp} is a fuse.hf3fs mount`,
      `findmnt -n -o FSTYPE --mountpoint ${shellQuote(mp)} || true`,
      '^fuse\\.hf3fs$',
      120_000,
    )
    actions.push(
      index === 0 ? barrier(token) : token,
      writeConfig(context, node.name, 'client', 'hf3fs_fuse_main_launcher.toml', [
        {key: 'cluster_id', value: context.cluster.name},
        {key: 'mountpoint', value: mp},
        {key: 'token_file', value: `${IMAGE_ETC_DIR}/token.txt`},
        {key: 'mgmtd_client.mgmtd_server_addresses', value: context.mgmtdAddresses},
      ]),
      writeConfig(context, node.name, 'client', 'hf3fs_fuse_main.toml', main),
      ...liveRoll(context, node.name, start, mounted),
      {
        ...run(
          node.name,
          'client',
          'smoke-test',
          `write and read back 4 MiB on ${mp}`,
          smokeTestCommand(mp, node.name),
          'smoke-test',
        ),
        always: true,
        verifies: true,
      },
    )
  }
  return [...actions, ...retireActions(context)]
}

/**
 * On a live cluster a client whose start changed (an upgrade) is restarted last and one node at a time
 * (plan.ts LIVE_ORDER): its 3FS mount is taken down first, because a fuse mount dies with its daemon and
 * a stale one would pass the wait; the start must stay up (rolling.ts); the mount wait runs again with it.
 * The unmount and the wait run only in a deploy whose start is still to do (runsWith).
 */
function liveRoll(context: DeployContext, node: string, start: Action, mounted: Action): Action[] {
  if (!context.live) return [start, mounted]
  const mp = shellQuote(context.mountpoint)
  const unmount: Action = {
    ...run(
      node,
      'client',
      'unmount-before-start',
      `remove the old ${context.containers.client} and unmount ${context.mountpoint} before (re)starting it`,
      // The old container goes first: unmounted under a running one, its daemon exits and the restart policy
      // (unless-stopped) starts it again, mounting again; the start's `rm -f` then killed that one and left a
      // dead mount, on which `docker run` failed: "stat /3fs: transport endpoint is not connected" (seen in
      // test/integration/cluster-life-docker.test.ts on a loaded machine). Removed first, no daemon is left to
      // restart, and a mount it leaves (live or dead) is taken down here.
      [
        `${shellQuote(context.runtime)} rm -f ${shellQuote(context.containers.client)} >/dev/null 2>&1 || true`,
        `if [ "$(findmnt -n -o FSTYPE --mountpoint ${mp} 2>/dev/null)" = fuse.hf3fs ]; then umount ${mp} 2>/dev/null || umount -l ${mp}; fi`,
      ].join('; '),
    ),
    always: true,
    runsWith: {node, fingerprint: start.fingerprint},
  }
  return [
    barrier(unmount),
    withRunningCheck(context, start),
    // Keyed to this start: the first deploy recorded the wait for its own start.
    {
      ...action({...mounted, command: `${mounted.command!} # ${start.fingerprint}`}),
      runsWith: {node, fingerprint: start.fingerprint},
    },
  ]
}
