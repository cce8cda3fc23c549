/**
 * A minimal pcap writer for the tshark tests: every Diameter message becomes
 * one IPv4/TCP segment (LINKTYPE_RAW) on port 3868, with consistent sequence
 * numbers per direction so Wireshark's TCP analysis stays quiet.
 */
export interface CapturedMessage {
  /** Connection key: one TCP flow per key. */
  flow: string;
  /** true when the flow's client (the dialling side) sent it. */
  fromClient: boolean;
  bytes: Buffer;
}

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

export function writePcap(messages: CapturedMessage[]): Buffer {
  const out: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(101, 20); // LINKTYPE_RAW: packets start with the IP header
  out.push(gh);
  const flows = new Map<string, { port: number; seq: [number, number] }>();
  let t = 1_700_000_000;
  messages.forEach((m, i) => {
    let f = flows.get(m.flow);
    if (!f) flows.set(m.flow, (f = { port: 40000 + flows.size, seq: [1000, 5000] }));
    const [sport, dport] = m.fromClient ? [f.port, 3868] : [3868, f.port];
    const [src, dst] = m.fromClient ? [[127, 0, 0, 1], [127, 0, 0, 2]] : [[127, 0, 0, 2], [127, 0, 0, 1]];
    const dirIdx = m.fromClient ? 0 : 1;
    const seq = f.seq[dirIdx]!;
    const ack = f.seq[1 - dirIdx]!;
    f.seq[dirIdx] = seq + m.bytes.length;
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(sport, 0);
    tcp.writeUInt16BE(dport, 2);
    tcp.writeUInt32BE(seq >>> 0, 4);
    tcp.writeUInt32BE(ack >>> 0, 8);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; // PSH, ACK
    tcp.writeUInt16BE(65535, 14);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + m.bytes.length, 2);
    ip.writeUInt16BE(i & 0xffff, 4);
    ip[8] = 64;
    ip[9] = 6;
    Buffer.from(src).copy(ip, 12);
    Buffer.from(dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6]), Buffer.from([(20 + m.bytes.length) >> 8, (20 + m.bytes.length) & 0xff]), tcp, m.bytes]);
    tcp.writeUInt16BE(checksum(pseudo), 16);
    const pkt = Buffer.concat([ip, tcp, m.bytes]);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(t + i, 0);
    rh.writeUInt32LE(0, 4);
    rh.writeUInt32LE(pkt.length, 8);
    rh.writeUInt32LE(pkt.length, 12);
    out.push(rh, pkt);
  });
  return Buffer.concat(out);
}
