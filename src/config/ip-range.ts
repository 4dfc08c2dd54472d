/** IPv4 ranges as m3fs's nodeGroups use them (ipBegin..ipEnd, both included). */

export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.').map(Number)
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!
}

export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.')
}

/** Every address from begin to end; empty when end < begin. */
export function expandRange(begin: string, end: string): string[] {
  const first = ipv4ToNumber(begin)
  const last = ipv4ToNumber(end)
  const out: string[] = []
  for (let value = first; value <= last; value++) out.push(numberToIpv4(value))
  return out
}

/** The node name m3fs gives to each address of a group, kept so that m3fs-created state still matches. */
export function groupNodeName(group: string, ip: string): string {
  return `${group}-node(${ip})`
}
