// The sans-IO engine on real UDP sockets with a JSON config, for interop cases the agent cannot be
// configured for (engine options such as cookieThreshold; certificate cases that need fixed test
// certificates: RSA 4096, P-384; the agent's own certificate interop is ike-agent-certs.test.ts). Usage, inside a namespace:
//   tsx engine-runner.ts CONFIG.json LOCAL_ADDRESS [PEER_TO_INITIATE]
// CONFIG.json is an IkeConfig, optionally with `engineOptions` (e.g. cookieThreshold).
// Prints one JSON line per engine action (keys as hex), so a test can follow what happens.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { IkeEngine, type Action, type EngineOptions, type IkeConfig } from '../../packages/ike/src/index.ts';

const [configFile, address, initiate] = process.argv.slice(2) as [string, string, string | undefined];
const { engineOptions, ...config } = JSON.parse(readFileSync(configFile, 'utf8')) as IkeConfig & {
  engineOptions?: Partial<EngineOptions>;
};
const engine = new IkeEngine({
  ...engineOptions,
  config,
  random: (n) => new Uint8Array(randomBytes(n)),
  now: () => Date.now(),
});
const sockets = new Map<number, Socket>();
let timer: NodeJS.Timeout | undefined;

function apply(actions: Action[]): void {
  for (const a of actions) {
    if (a.type === 'send') sockets.get(a.from.port)?.send(a.data, a.to.port, a.to.address);
    else if (a.type === 'nextTimer') {
      clearTimeout(timer);
      if (a.at !== null) timer = setTimeout(() => apply(engine.tick(Date.now())), Math.max(0, a.at - Date.now()));
    }
    if (a.type !== 'send')
      console.log(JSON.stringify(a, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  }
}

for (const port of [500, 4500]) {
  const s = createSocket('udp4');
  s.on('message', (data, r) =>
    apply(
      engine.datagram({
        from: { address: r.address, port: r.port },
        to: { address, port },
        data: new Uint8Array(data),
      }),
    ),
  );
  await new Promise<void>((resolve) => s.bind({ address, port }, resolve));
  sockets.set(port, s);
}
console.log(JSON.stringify({ type: 'ready' }));
if (initiate) apply(engine.command({ type: 'initiate', peer: initiate, local: { address, port: 500 } }));
