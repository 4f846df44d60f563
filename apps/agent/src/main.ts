// Command line: start the agent.
//   --listen ADDR[:PORT]  address to listen on (default 127.0.0.1; PORT env or 8080), or unix:PATH
//   --data DIR            data directory (default ./data), kept 0700: agent.sqlite and agent.key, the key that
//                         encrypts the secrets in it (back up both together)
//   --web DIR             built web UI to serve (default apps/web/dist of this repository)
//   --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key
//   --ike-ports 500,4500  UDP ports of IKE and NAT-T; --no-ike runs without the IKE engine
//   --dataplane auto|kernel|userspace|off   where SAs go (auto: the kernel if it does ESP, else our userspace ESP)
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAgent } from './server.ts';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    data: { type: 'string' },
    web: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'ike-ports': { type: 'string' },
    'no-ike': { type: 'boolean' },
    dataplane: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: ipsec-agent [--listen ADDR[:PORT]|unix:PATH] [--data DIR] [--web DIR] [--tls-cert FILE --tls-key ' +
      'FILE] [--ike-ports 500,4500 | --no-ike] [--dataplane auto|kernel|userspace|off]',
  );
  process.exit(0);
}

function parseListen(text: string | undefined): { host: string; port?: number } {
  if (!text) return { host: '127.0.0.1' };
  if (text.startsWith('unix:')) return { host: text };
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const parts = text.split(':');
  if (parts.length === 2) return { host: parts[0] || '127.0.0.1', port: Number(parts[1]) };
  return { host: text };
}

const here = dirname(fileURLToPath(import.meta.url));
const listen = parseListen(values.listen);
const port = listen.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--listen/PORT: "${port}" is not a port 0..65535`);
  process.exit(2);
}

if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
  console.error('--tls-cert and --tls-key go together');
  process.exit(2);
}
const tls =
  values['tls-cert'] && values['tls-key']
    ? { cert: readFileSync(values['tls-cert'], 'utf8'), key: readFileSync(values['tls-key'], 'utf8') }
    : undefined;

const ikePorts = (values['ike-ports'] ?? '500,4500').split(',').map(Number);
if (ikePorts.length !== 2 || ikePorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
  console.error(`--ike-ports: "${values['ike-ports']}" is not two ports like 500,4500`);
  process.exit(2);
}

const dataplane = values.dataplane ?? 'auto';
if (!['auto', 'kernel', 'userspace', 'off'].includes(dataplane)) {
  console.error(`--dataplane: "${dataplane}" is not one of auto, kernel, userspace, off`);
  process.exit(2);
}

const agent = await startAgent({
  dataDir: resolve(values.data ?? 'data'),
  host: listen.host,
  port,
  webRoot: resolve(values.web ?? `${here}/../../web/dist`),
  ...(tls ? { tls } : {}),
  ...(values['no-ike']
    ? {}
    : { ike: { ports: [ikePorts[0]!, ikePorts[1]!] as [number, number] }, dataplane: dataplane as 'auto' }),
  ...(process.env.ADMIN_PASSWORD ? { adminPassword: process.env.ADMIN_PASSWORD } : {}),
});

console.log(`\nIPsec WinBox agent is running: open ${agent.url}/`);
if (agent.initialAdminPassword) {
  console.log(`First start: log in as user "admin" with password: ${agent.initialAdminPassword}`);
  console.log('(shown once; change it under System > Users, or start with ADMIN_PASSWORD=... on a fresh data dir)\n');
} else {
  console.log('Log in with an existing user (first-start admin password, or ADMIN_PASSWORD if it was set).\n');
}

// systemd sets INVOCATION_ID for its services: outside one, say how to have the agent restarted and started at boot.
if (!process.env.INVOCATION_ID)
  console.log(
    'To run it as a service (restarted on failure, started at boot): deploy/ipsec-winbox.service, see README.md.\n',
  );

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void agent.close().then(() => process.exit(0));
  });
}
