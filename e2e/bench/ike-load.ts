// IKE load generator for pnpm bench:ike: our sans-IO engine as N initiators on real UDP sockets,
// keeping `window` IKE_SA+CHILD_SA setups in flight until `count` have completed. Run inside a
// test namespace. The same generator loads every responder, so their figures compare.
//   tsx ike-load.ts LOCAL RESPONDER COUNT WINDOW PSK
// Prints one JSON line: { established, failed, seconds }.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { IkeEngine, type Action, type IkeConfig } from '../../packages/ike/src/index.ts';

const [local, responder, countText, windowText, psk] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const count = Number(countText);
const window = Number(windowText);

// One RouterOS-style peer per IKE SA, each with its own inner address (so every CHILD_SA has its
// own traffic selectors) and no INITIAL_CONTACT (the responder keeps all of them).
const config: IkeConfig = {
  peers: [],
  profiles: [
    {
      name: 'bench',
      'enc-algorithm': ['aes-128-gcm'],
      'hash-algorithm': 'sha256',
      'prf-algorithm': 'sha256',
      'dh-group': ['ecp256'],
      'dpd-interval': 'disable-dpd',
    } as never,
  ],
  proposals: [
    { name: 'bench', 'enc-algorithms': ['aes-128-gcm'], 'auth-algorithms': ['null'], 'pfs-group': 'none' } as never,
  ],
  identities: [],
  policies: [],
};
for (let i = 0; i < count; i++) {
  const name = `load${i}`;
  config.peers.push({
    name,
    address: `${responder}/32`,
    'exchange-mode': 'ike2',
    profile: 'bench',
    'send-initial-contact': false,
  });
  config.identities!.push({ peer: name, secret: psk, 'my-id': `fqdn:load${i}.bench.example` } as never);
  config.policies!.push({
    peer: name,
    tunnel: true,
    'src-address': `10.1.${(i >> 8) & 255}.${i & 255}/32`,
    'dst-address': '10.2.0.0/16',
    proposal: 'bench',
  } as never);
}

const engine = new IkeEngine({
  config,
  random: (n) => new Uint8Array(randomBytes(n)),
  now: () => Date.now(),
  maxIkeSas: count + 10,
});
const sockets = new Map<number, Socket>();
let timer: NodeJS.Timeout | undefined;
let next = 0;
let established = 0;
let failed = 0;
const done = new Set<number>(); // IKE SAs whose CHILD_SA is installed
const started = Date.now();

function launch(): void {
  while (next < count && next - established - failed < window) {
    apply(engine.command({ type: 'initiate', peer: `load${next}`, local: { address: local, port: 500 } }));
    next++;
  }
  if (established + failed >= count) finish();
}

function apply(actions: Action[]): void {
  for (const a of actions) {
    if (a.type === 'send') sockets.get(a.from.port)?.send(a.data, a.to.port, a.to.address);
    else if (a.type === 'installSa' && !done.has(a.ikeSa)) {
      done.add(a.ikeSa);
      established++;
    } else if (a.type === 'ikeSaState' && a.state === 'dead' && !done.has(a.ikeSa)) failed++;
    else if (a.type === 'nextTimer') {
      clearTimeout(timer);
      if (a.at !== null) timer = setTimeout(() => apply(engine.tick(Date.now())), Math.max(0, a.at - Date.now()));
    }
  }
}

function finish(): void {
  console.log(JSON.stringify({ established, failed, seconds: (Date.now() - started) / 1000 }));
  process.exit(0);
}

for (const port of [500, 4500]) {
  const s = createSocket('udp4');
  s.on('message', (data, r) => {
    apply(
      engine.datagram({
        from: { address: r.address, port: r.port },
        to: { address: local, port },
        data: new Uint8Array(data),
      }),
    );
    launch();
  });
  await new Promise<void>((resolve) => s.bind({ address: local, port }, resolve));
  sockets.set(port, s);
}
launch();
setTimeout(finish, 300_000).unref();
setInterval(launch, 200);
