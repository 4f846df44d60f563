// Captures the NETLINK_XFRM requests iproute2 sends, as golden bytes for the codec tests.
//
//   node test/golden/capture.mjs > test/golden/iproute2.json     (as root; makes and removes netns dpgold)
//
// Each command runs under `strace -e trace=sendmsg -x -s 4096`; the request's nlmsghdr is rebuilt from
// strace's decoded header (nlmsg_seq and nlmsg_pid are zeroed: ip puts the time there) and the payload is
// strace's \x.. dump, byte for byte. The kernel's answer (errno) is recorded too. Whether the kernel
// accepts the SA does not matter for the request bytes: ip builds and sends them before it knows.
import { execFileSync, spawnSync } from 'node:child_process';

const NS = 'dpgold';
const K16 = '0x000102030405060708090a0b0c0d0e0f';
const K32 = '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const CASES = {
  'sa-tunnel-cbc-sha256':
    `xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x1000 reqid 1 mode tunnel enc cbc(aes) ${K16} ` +
    `auth-trunc hmac(sha256) ${K32} 128`,
  'sa-tunnel-gcm-encap-esn':
    `xfrm state add src 192.0.2.1 dst 198.51.100.7 proto esp spi 0xc0ffee01 reqid 7 mode tunnel replay-window ` +
    `128 flag esn aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f10a1a2a3a4 128 encap espinudp 4500 4501 ` +
    `0.0.0.0 limit time-soft 3240 limit time-hard 3600 limit byte-soft 900000 limit byte-hard 1000000`,
  'sa-transport-sel-v6':
    `xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2002 reqid 9 mode transport replay-window 32 ` +
    `enc cbc(aes) ${K32} auth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96 sel src ` +
    `2001:db8::1/128 dst 2001:db8::2/128 proto tcp dport 443`,
  'sa-delete': `xfrm state delete src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x1000`,
  'policy-out-tunnel':
    `xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/24 dir out priority 1000 tmpl src 192.0.2.1 dst 198.51.100.7 ` +
    `proto esp reqid 7 mode tunnel level required`,
  'policy-in-transport-use':
    `xfrm policy add src 10.2.0.5/32 dst 10.1.0.9/32 proto udp sport 53 dir in priority 5 tmpl proto esp reqid 9 ` +
    `mode transport level use`,
  'policy-fwd-required':
    `xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/16 dir fwd priority 1000 tmpl src 198.51.100.7 dst 192.0.2.1 ` +
    `proto esp reqid 7 mode tunnel level required`,
  'policy-delete': `xfrm policy delete src 10.1.0.0/16 dst 10.2.0.0/24 dir out`,
};

function unescape(s) {
  const out = [];
  for (let i = 0; i < s.length;) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (s[i] === '\\') {
      const m = { n: 10, t: 9, r: 13, '"': 34, '\\': 92 }[s[i + 1]];
      out.push(m);
      i += 2;
    } else {
      out.push(s.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(out);
}

spawnSync('ip', ['netns', 'del', NS]);
execFileSync('ip', ['netns', 'add', NS]);
const result = {
  kernel: execFileSync('uname', ['-r']).toString().trim(),
  iproute2: execFileSync('ip', ['-V']).toString().trim(),
  cases: {},
};
try {
  for (const [name, cmd] of Object.entries(CASES)) {
    const r = spawnSync('strace', ['-e', 'trace=sendmsg', '-x', '-s', '4096', 'ip', '-n', NS, ...cmd.split(' ')], {
      encoding: 'utf8',
    });
    const line = r.stderr.split('\n').find((l) => l.startsWith('sendmsg(') && l.includes('nlmsg_type=0x'));
    if (!line) throw new Error(`${name}: no sendmsg in\n${r.stderr}`);
    const hdr = /nlmsg_len=(\d+), nlmsg_type=0x([0-9a-f]+).*?, nlmsg_flags=([A-Z_|]+)/.exec(line);
    const payload = /}, "((?:[^"\\]|\\.)*)"]/.exec(line);
    if (!hdr || !payload) throw new Error(`${name}: cannot parse ${line}`);
    const F = { NLM_F_REQUEST: 1, NLM_F_ACK: 4, NLM_F_EXCL: 0x200, NLM_F_CREATE: 0x400, NLM_F_REPLACE: 0x100 };
    const flags = hdr[3].split('|').reduce(
      (a, f) =>
        a |
        (F[f] ??
          (() => {
            throw new Error(f);
          })()),
      0,
    );
    const body = unescape(payload[1]);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Number(hdr[1]), 0);
    h.writeUInt16LE(parseInt(hdr[2], 16), 4);
    h.writeUInt16LE(flags, 6);
    const msg = Buffer.concat([h, body]);
    if (msg.length !== Number(hdr[1])) throw new Error(`${name}: length ${msg.length} != ${hdr[1]}`);
    const err = /Error: (.*)|RTNETLINK answers: (.*)/.exec(r.stderr);
    result.cases[name] = {
      command: `ip ${cmd}`,
      hex: msg.toString('hex'),
      kernelSaid: err ? (err[1] ?? err[2]) : 'ok',
    };
  }
  // A real ACQUIRE from the kernel: a `level required` policy with no SA, a packet that matches it (over a veth:
  // loopback has disable_xfrm=1), and `ip xfrm monitor acquire` under strace to record the multicast bytes.
  const sh = (cmd) => execFileSync('sh', ['-c', cmd]);
  sh(
    `ip netns add ${NS}b; ip link add dpg0 netns ${NS} type veth peer name dpg1 netns ${NS}b;
      ip -n ${NS} link set dpg0 up; ip -n ${NS} addr add 10.9.0.1/24 dev dpg0; ip -n ${NS} route add 10.9.1.0/24 via 10.9.0.2;
      ip -n ${NS}b link set dpg1 up; ip -n ${NS}b addr add 10.9.0.2/24 dev dpg1;
      ip -n ${NS} xfrm policy add src 10.9.0.0/24 dst 10.9.1.0/24 proto icmp dir out priority 100 ` +
      `tmpl src 10.9.0.1 dst 10.9.0.2 proto esp reqid 1 mode tunnel level required`,
  );
  const mon = spawnSync(
    'sh',
    [
      '-c',
      `timeout 2 strace -e trace=recvmsg -x -s 4096 ip -n ${NS} xfrm monitor acquire & sleep 0.7; ip netns ` +
        `exec ${NS} ping -c1 -W1 10.9.1.5 >/dev/null; wait`,
    ],
    { encoding: 'utf8' },
  );
  const rline = mon.stderr.split('\n').find((l) => l.startsWith('recvmsg(') && l.includes('nlmsg_type=0x17'));
  if (!rline) throw new Error(`no ACQUIRE seen:\n${mon.stderr}`);
  const rh =
    /nlmsg_len=(\d+), nlmsg_type=0x17[^,]*, nlmsg_flags=0, nlmsg_seq=(\d+), nlmsg_pid=(\d+)}, "((?:[^"\\]|\\.)*)"/.exec(
      rline,
    );
  if (!rh) throw new Error(`cannot parse ${rline}`);
  const body = unescape(rh[4]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Number(rh[1]), 0);
  h.writeUInt16LE(0x17, 4);
  h.writeUInt32LE(Number(rh[2]), 8);
  h.writeUInt32LE(Number(rh[3]), 12);
  result.cases['acquire-kernel'] = {
    command:
      'kernel multicast XFRMNLGRP_ACQUIRE after `ping 10.9.1.5` matching policy 10.9.0.0/24->10.9.1.0/24 proto ' +
      'icmp, tmpl 10.9.0.1->10.9.0.2 reqid 1 tunnel',
    hex: Buffer.concat([h, body]).toString('hex'),
    kernelSaid: 'sent',
  };
} finally {
  spawnSync('ip', ['netns', 'del', NS]);
  spawnSync('ip', ['netns', 'del', `${NS}b`]);
}
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
