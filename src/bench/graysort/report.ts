/** The published figures the GraySort results are compared with (3FS's smallpond run). */
export const SMALLPOND_RUN = {
  description: 'smallpond on 3FS: 110.5 TiB in 30 min 14 s on 50 compute nodes',
  tibPerMinute: 110.5 / (30 + 14 / 60),
  gibPerSecondPerNode: (110.5 * 1024) / (30 * 60 + 14) / 50,
}
