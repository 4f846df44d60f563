// What a wizard will create: the RouterOS objects, menu by menu, with their values, in the order
// they are added (the manual's "Road Warrior setup using IKEv2" and "Site to Site IPsec tunnel"
// examples). Name collisions with existing entries are issues that name the wizard field to change.
// The plan is checked as the store would check it (existing entries + planned ones), so a preview
// that shows no issue is a finish that will not be refused.
import {
  ConfigError,
  SECRET_PLACEHOLDER,
  applyInput,
  checkConfig,
  defaults,
  entriesOf,
  getMenu,
  hostPeerAddress,
  rangeBounds,
  formatIpNumber,
  serverIdOf,
  type AnyEntry,
  type Config,
  type ConfigIssue,
  type MenuName,
  type PeerValues,
  type RoadWarriorConfig,
  type SiteToSiteConfig,
  type WizardObject,
  type WizardWarning,
} from '@ipsec/schema';
import { ikeAlgorithmsKey } from '@ipsec/ike';
import { check } from './compat.ts';

export interface StoreView {
  config(): Config;
}

export interface PlannedObject {
  menu: MenuName;
  values: Record<string, unknown>;
  /** Certificates: issued by the agent at finish, self-signed (CA) or by this CA entry. */
  issuer?: string | 'self';
  /** Wizard field this object's name comes from (collision issues name it). */
  field: string;
}

export interface Plan {
  kind: 'road-warrior' | 'site-to-site';
  name: string;
  objects: PlannedObject[];
  /** Errors: the plan cannot be applied as it is. */
  issues: ConfigIssue[];
  warnings: WizardWarning[];
}

export const WIZARD_MENU = 'wizard';
const issue = (field: string, message: string): ConfigIssue => ({ menu: WIZARD_MENU, field, message });

/** Names the road-warrior wizard gives its objects; the setup is known by its peer, named `name`. */
export function roadWarriorNames(name: string) {
  return {
    ca: `${name}-ca`,
    server: `${name}-server`,
    client: (c: string) => `${name}-${c}`,
    pool: `${name}-pool`,
    modeConfig: `${name}-conf`,
    group: `${name}-policies`,
    proposal: name,
    profile: name,
    peer: name,
  };
}

const DAYS_CA = 3650;
// 825 days: Apple devices refuse longer-lived server certificates for TLS; the same limit keeps IKE safe.
const DAYS_END = 825;

function keyOf(keyType: 'rsa' | 'ecdsa') {
  return keyType === 'rsa'
    ? { 'key-type': 'rsa', 'key-size': '2048' }
    : { 'key-type': 'ecdsa', 'key-size': 'prime256v1' };
}

/** Smallest IPv4 prefix holding every address of the pool ranges (the policy template's dst-address). */
export function poolPrefix(ranges: string[]): string {
  const bounds = ranges.map((r) => rangeBounds(r));
  const lo = bounds.reduce((m, b) => (b.start < m ? b.start : m), bounds[0]!.start);
  const hi = bounds.reduce((m, b) => (b.end > m ? b.end : m), bounds[0]!.end);
  let len = 32;
  while (len > 0 && lo >> BigInt(32 - len) !== hi >> BigInt(32 - len)) len--;
  const base = len === 0 ? 0n : (lo >> BigInt(32 - len)) << BigInt(32 - len);
  return `${formatIpNumber(4, base)}/${len}`;
}

function isDnsName(s: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s);
}

/** The ID a client certificate vouches for and its clients send: its DNS SAN when the name is one, else its subject DN. */
export function clientIdOf(commonName: string): { san: string[]; id: string } {
  return isDnsName(commonName) ? { san: [`DNS:${commonName}`], id: commonName } : { san: [], id: `CN=${commonName}` };
}

export function planRoadWarrior(input: RoadWarriorConfig, store: StoreView): Plan {
  const n = roadWarriorNames(input.name);
  const comment = `road warrior ${input.name} (wizard)`;
  const objects: PlannedObject[] = [];
  const add = (menu: MenuName, field: string, values: Record<string, unknown>, issuer?: string) =>
    objects.push({ menu, field, values: { ...values, comment }, ...(issuer ? { issuer } : {}) });
  const server = serverIdOf(input.serverAddress);
  const key = keyOf(input.keyType);

  if (input.auth !== 'psk') {
    add(
      'certificate',
      'name',
      {
        name: n.ca,
        'common-name': n.ca,
        ...key,
        'key-usage': ['key-cert-sign', 'crl-sign'],
        'days-valid': DAYS_CA,
        trusted: true,
      },
      'self',
    );
    add(
      'certificate',
      'name',
      {
        name: n.server,
        // A CN holds 64 characters; a longer DNS name is in the SAN, which is what clients check.
        'common-name': input.serverAddress.length <= 64 ? input.serverAddress : n.server,
        'subject-alt-name': [server.san],
        ...key,
        'key-usage': ['digital-signature', 'key-encipherment', 'tls-server', 'tls-client'],
        'days-valid': DAYS_END,
        trusted: false,
      },
      n.ca,
    );
  }
  if (input.auth === 'certificate') {
    input.clientCertificates.forEach((c, i) => {
      add(
        'certificate',
        `clientCertificates.${i}`,
        {
          name: n.client(c),
          'common-name': c,
          'subject-alt-name': clientIdOf(c).san,
          ...key,
          'key-usage': ['digital-signature', 'key-encipherment', 'tls-client'],
          'days-valid': DAYS_END,
          trusted: false,
        },
        n.ca,
      );
    });
  }
  add('pool', 'name', { name: n.pool, ranges: input.pool });
  add('mode-config', 'name', {
    name: n.modeConfig,
    responder: true,
    'address-pool': n.pool,
    'address-prefix-length': 32,
    // Full tunnel is sent as 0.0.0.0/0: Apple clients use the tunnel's DNS servers only then (manual, known limitations).
    'split-include': input.splitNetworks.length ? input.splitNetworks : ['0.0.0.0/0'],
    'system-dns': input.dns === 'system',
    'static-dns': input.dns === 'system' ? [] : input.dns,
  });
  add('policy-group', 'name', { name: n.group });
  add('proposal', 'name', {
    name: n.proposal,
    'auth-algorithms': input.proposals.esp.auth,
    'enc-algorithms': input.proposals.esp.enc,
    'pfs-group': input.proposals.esp.pfs,
  });
  add('profile', 'name', {
    name: n.profile,
    'hash-algorithm': input.proposals.ike.hash[0],
    'enc-algorithm': input.proposals.ike.enc,
    'dh-group': input.proposals.ike.dh,
  });
  add('peer', 'name', {
    name: n.peer,
    'exchange-mode': 'ike2',
    passive: true,
    profile: n.profile,
    'send-initial-contact': false,
  });
  add('policy', 'pool', {
    group: n.group,
    template: true,
    'src-address': '0.0.0.0/0',
    'dst-address': poolPrefix(input.pool),
    protocol: 'all',
    proposal: n.proposal,
  });
  const authMethod = { certificate: 'digital-signature', 'eap-mschapv2': 'eap-radius', psk: 'pre-shared-key' }[
    input.auth
  ];
  add('identity', 'auth', {
    peer: n.peer,
    'auth-method': authMethod,
    ...(input.auth === 'psk' ? { secret: input.psk } : { certificate: n.server }),
    'my-id': server.id,
    'remote-id': 'auto',
    'generate-policy': 'port-strict',
    'mode-config': n.modeConfig,
    'policy-template-group': n.group,
  });
  if (input.auth === 'eap-mschapv2')
    input.users.forEach((u, i) => add('user', `users.${i}.name`, { name: u.name, password: u.password }));

  const issues = [...collisions(objects, store.config()), ...simulate(objects, store.config())];
  const warnings = [...check(input), ...environmentWarnings(input, store.config())];
  return { kind: 'road-warrior', name: input.name, objects, issues, warnings };
}

/** Names already taken (in the store, or twice in the plan), as issues on the wizard field the name comes from. */
function collisions(objects: PlannedObject[], config: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, PlannedObject>();
  for (const o of objects) {
    const menu = getMenu(o.menu)!;
    if (!menu.key) continue;
    const name = String(o.values[menu.key]);
    const what = menu.title.toLowerCase().replace(/s$/, '').replace(/ie$/, 'y');
    const existing = entriesOf(config, o.menu).find((e) => e.values[menu.key!] === name);
    if (existing) {
      out.push(
        issue(
          o.field,
          `${what} "${name}" already exists (${menu.path}); ` +
            `${o.field === 'name' ? 'choose another name' : 'choose another name or remove the existing entry'}`,
        ),
      );
      continue;
    }
    const k = `${o.menu}\0${name}`;
    const twin = seen.get(k);
    if (twin) out.push(issue(o.field, `${what} "${name}" would be created twice (also from ${twin.field})`));
    else seen.set(k, o);
  }
  return dedupe(out);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const keys = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.field}\0${i.message}`;
    if (keys.has(k)) return false;
    keys.add(k);
    return true;
  });
}

/** The store's own checks on existing + planned entries (certificates stand in with masked PEMs). */
function simulate(objects: PlannedObject[], config: Config): ConfigIssue[] {
  const draft: Record<MenuName, readonly AnyEntry[]> = { ...config };
  const issues: ConfigIssue[] = [];
  let id = 0x7fff0000;
  const planned = new Map<number, PlannedObject>();
  for (const o of objects) {
    const menu = getMenu(o.menu)!;
    // Certificates get their PEMs at finish; stand-ins let the checks see a certificate with a key.
    const extra = o.menu === 'certificate' ? { 'certificate-pem': 'planned', 'private-key-pem': 'planned' } : {};
    try {
      const values = { ...applyInput(menu, defaults(menu), o.values), ...extra };
      draft[o.menu] = [...draft[o.menu], { id: ++id, values }];
      planned.set(id, o);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const i of e.issues)
        issues.push(issue(o.field, `${menu.name} ${i.field ?? ''}: ${i.message}`.replace(' :', ':')));
    }
  }
  if (issues.length) return issues;
  for (const i of checkConfig(draft)) {
    const o = i.id !== undefined ? planned.get(i.id) : undefined;
    if (!o) continue; // about an existing entry: not the wizard's to report
    if (/already used/.test(i.message)) continue; // reported by collisions() with the wizard's field
    issues.push(issue(o.field, `${i.menu}${i.field ? ` ${i.field}` : ''}: ${i.message}`));
  }
  return issues;
}

/**
 * Another enabled passive IKEv2 peer for every address (0.0.0.0/0) beside this setup's. The IKE engine
 * (ike-auth.ts chooseIdentity) moves a client between such peers at IKE_AUTH only when their profiles
 * negotiate alike (ikeAlgorithmsKey), and then tells the identities apart only by EAP: an IKE_AUTH
 * without AUTH asks for EAP and takes only an eap-radius identity, one with AUTH only the others. Two
 * identities on the same side of that line (two certificate, two EAP or two PSK setups) tie, and the
 * first one wins. So: no warning only when the algorithms are alike and none of the other peer's
 * identities is on this setup's side.
 */
function shadowingWarning(input: RoadWarriorConfig, config: Config, v: PeerValues): WizardWarning | undefined {
  const name = v.name;
  const profileName = v.profile;
  const prof = config.profile.find((x) => x.values.name === profileName)?.values;
  const ike = input.proposals.ike;
  const alike =
    ikeAlgorithmsKey(prof) ===
    ikeAlgorithmsKey({ 'enc-algorithm': ike.enc, 'hash-algorithm': ike.hash[0], 'dh-group': ike.dh });
  // With the same phase 1 algorithms the engine picks the setup at IKE_AUTH from the client's AUTH: the PSK that
  // verifies it, or the certificate issued by the setup's own CA (each wizard setup has its own). EAP clients send
  // no AUTH there, so two EAP setups cannot be told apart.
  const mineEap = input.auth === 'eap-mschapv2';
  const theirsEap = (config.identity ?? []).some(
    (i) => i.values.peer === name && !i.values.disabled && i.values['auth-method'] === 'eap-radius',
  );
  const bothEap = mineEap && theirsEap;
  if (alike && !bothEap) return undefined;
  const elsewhere = `give peer "${name}" a specific address, or disable it`;
  if (alike) {
    return {
      client: 'all',
      field: 'name',
      message:
        `peer "${name}" also answers IKEv2 from every address with the same phase 1 algorithms, and both setups ` +
        `use user name and password (EAP): EAP clients prove nothing before the server has shown its ` +
        `certificate, so the peer listed first takes them all and the other setup's clients get the wrong server ` +
        `certificate and fail`,
      fix: `${elsewhere}; or authenticate this setup's clients with certificates or a pre-shared key`,
    };
  }
  return {
    client: 'all',
    field: 'name',
    message:
      `peer "${name}" also answers IKEv2 from every address, with other phase 1 algorithms (profile "` +
      `${profileName}"); clients reach whichever peer is listed first`,
    fix: bothEap
      ? elsewhere
      : `use profile "${profileName}"'s algorithms here (the engine then tells the two setups' clients apart by ` +
        `how they authenticate), or ${elsewhere}`,
  };
}

function environmentWarnings(input: RoadWarriorConfig, config: Config): WizardWarning[] {
  const out: WizardWarning[] = [];
  for (const p of config.peer ?? []) {
    const v = p.values;
    if (v.passive && !v.disabled && v.address === '0.0.0.0/0' && v['exchange-mode'] === 'ike2') {
      const w = shadowingWarning(input, config, v);
      if (w) out.push(w);
    }
  }
  const mine = input.pool.map((r) => rangeBounds(r));
  for (const pool of config.pool ?? []) {
    for (const r of pool.values.ranges) {
      const b = rangeBounds(r);
      if (b.family === 4 && mine.some((m) => m.start <= b.end && b.start <= m.end)) {
        out.push({
          client: 'all',
          field: 'pool',
          message: `overlaps pool "${pool.values.name}" (${r}): two pools may hand out the same address`,
          fix: 'choose ranges no other pool uses',
        });
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ site to site

export function siteToSiteNames(name: string) {
  return { proposal: name, profile: name, peer: name };
}

export function planSiteToSite(input: SiteToSiteConfig, store: StoreView): Plan {
  const n = siteToSiteNames(input.name);
  const comment = `site to site ${input.name} (wizard)`;
  const objects: PlannedObject[] = [];
  const add = (menu: MenuName, field: string, values: Record<string, unknown>) =>
    objects.push({ menu, field, values: { ...values, comment } });
  add('proposal', 'name', {
    name: n.proposal,
    'auth-algorithms': input.proposals.esp.auth,
    'enc-algorithms': input.proposals.esp.enc,
    'pfs-group': input.proposals.esp.pfs,
  });
  add('profile', 'name', {
    name: n.profile,
    'hash-algorithm': input.proposals.ike.hash[0],
    'enc-algorithm': input.proposals.ike.enc,
    'dh-group': input.proposals.ike.dh,
  });
  add('peer', 'name', {
    name: n.peer,
    address: hostPeerAddress(input.remoteAddress),
    'local-address': input.localAddress,
    'exchange-mode': input.exchangeMode,
    profile: n.profile,
  });
  add('identity', 'psk', { peer: n.peer, 'auth-method': 'pre-shared-key', secret: input.psk });
  input.localNetworks.forEach((l) =>
    input.remoteNetworks.forEach((r) =>
      add('policy', 'localNetworks', {
        peer: n.peer,
        tunnel: true,
        'src-address': l,
        'dst-address': r,
        action: 'encrypt',
        proposal: n.proposal,
      }),
    ),
  );
  const issues = [...collisions(objects, store.config()), ...simulate(objects, store.config())];
  const warnings: WizardWarning[] = [
    {
      client: 'all',
      field: 'localNetworks',
      message:
        'a masquerade (srcnat) rule changes the source address before the packet is encrypted, so tunnel ' +
        'traffic no longer matches the policy and is lost (manual: "NAT and Fasttrack Bypass")',
      fix:
        `on both routers, put a srcnat accept rule for ${input.localNetworks.join(',')} <-> ` +
        `${input.remoteNetworks.join(',')} before any masquerade rule; the other end's script carries it`,
    },
  ];
  if (input.exchangeMode !== 'ike2') {
    // Offered for old peers (TP-Link, old Cisco); say what it costs.
    warnings.push({
      client: 'all',
      field: 'exchangeMode',
      message:
        `exchange-mode=${input.exchangeMode} is IKEv1, for peers that cannot do IKEv2: it is the older, weaker ` +
        `protocol (a pre-shared key in main mode identifies the peer by its address only), and this router's ` +
        `IKEv1 does not yet rekey SAs before their lifetime ends nor detect dead peers`,
      fix: "choose ike2 when the other end supports it (the other end's files follow it)",
    });
  }
  if (input.proposals.esp.pfs === 'none') {
    warnings.push({
      client: 'all',
      field: 'proposals.esp.pfs',
      message: "no PFS: the manual's site-to-site example uses pfs-group=modp2048",
      fix: 'set a PFS group (both ends get the same)',
    });
  }
  return { kind: 'site-to-site', name: input.name, objects, issues, warnings };
}

// ------------------------------------------------------------------------------------ presentation

/** Preview objects: secrets masked, certificates described (their keys are made at finish). */
export function presentPlan(plan: Plan): WizardObject[] {
  return plan.objects.map((o) => {
    const menu = getMenu(o.menu)!;
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.values))
      values[k] = menu.fields[k]?.meta.secret && v !== '' ? SECRET_PLACEHOLDER : v;
    const note =
      o.issuer === 'self'
        ? 'key and self-signed CA certificate generated at finish'
        : o.issuer
          ? `key generated and certificate signed by ${o.issuer} at finish`
          : undefined;
    return { menu: o.menu, values, ...(note ? { note } : {}) };
  });
}
