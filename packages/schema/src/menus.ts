// Every IPsec menu of the RouterOS manual (seed 000), with its properties, value sets and defaults.
// Property names are RouterOS's, hyphens and all: they are our API's and UI's vocabulary.
import { z } from 'zod';
import {
  DH_GROUP_NAMES,
  EAP_METHODS,
  ESP_AUTH_NAMES,
  ESP_CIPHER_NAMES,
  HASH_NAMES,
  IKE_CIPHER_NAMES,
  PRF_NAMES,
} from './algorithms.ts';
import { f, labelOf, type Field } from './fields.ts';
import { printTime } from './units.ts';

export type Fields = Record<string, Field>;

export interface MenuDef<F extends Fields = Fields> {
  /** Short name used in the API: "peer", "policy-group". */
  name: string;
  /** RouterOS path, also the REST path under /rest/. */
  path: string;
  title: string;
  /** The field that names entries and that other menus refer to. */
  key?: 'name';
  /** Order matters (policies): entries have a position and can be moved. */
  ordered?: boolean;
  /** A single settings object, no entries (ip/ipsec/settings). */
  single?: boolean;
  fields: F;
  /** Agent-computed read-only properties shown with entries (flags, state). */
  status: Fields;
  /** Columns a table shows by default, in order. */
  columns: string[];
  /** Entries that exist from first start, flagged `default` (RouterOS "*"). */
  builtins: Record<string, unknown>[];
}

/** The values an entry of a menu with fields `F` holds: each field's parsed type. */
export type Values<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

function menu<const N extends string, F extends Fields>(
  def: Omit<MenuDef<F>, 'status' | 'builtins' | 'name'> & { name: N } & Partial<
      Pick<MenuDef<F>, 'status' | 'builtins'>
    >,
): MenuDef<F> & { name: N } {
  const all: Fields = { ...def.fields, ...def.status };
  for (const [prop, field] of Object.entries(all)) if (field.meta.label === '') field.meta.label = labelOf(prop);
  return { status: {}, builtins: [], ...def };
}

const disabled = () => f.bool(false, { help: 'Whether the entry is ignored.' });
const comment = () => f.string({ help: 'Short description of the entry.' });

// Flags common to entries, computed by the agent (RouterOS letters in the UI: X D I A T *).
const statusDefault = () =>
  f.status('bool', false, { help: 'A built-in system entry.', label: 'Default' }, (v) => (v ? 'yes' : 'no'));
const statusDynamic = () =>
  f.status('bool', false, { help: 'Added by a service at run time, not by the configuration.' }, (v) =>
    v ? 'yes' : 'no',
  );
const statusInvalid = () =>
  f.status('bool', false, { help: 'The entry cannot be used; see the reason.' }, (v) => (v ? 'yes' : 'no'));

// ------------------------------------------------------------------------------------- proposal
export const proposal = menu({
  name: 'proposal',
  path: 'ip/ipsec/proposal',
  title: 'Proposals',
  key: 'name',
  fields: {
    name: f.name(),
    'auth-algorithms': f.enumList(ESP_AUTH_NAMES, ['sha1'], {
      help: 'Allowed integrity algorithms. Use null with GCM.',
    }),
    'enc-algorithms': f.enumList(ESP_CIPHER_NAMES, ['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc'], {
      help: 'Allowed encryption algorithms and key lengths for SAs.',
    }),
    lifetime: f.time(1800, { help: 'How long to use an SA before replacing it.' }),
    'pfs-group': f.enum([...DH_GROUP_NAMES, 'none'], 'modp1024', {
      help: 'Diffie-Hellman group for Perfect Forward Secrecy; none disables PFS.',
    }),
    disabled: disabled(),
    comment: comment(),
  },
  status: { default: statusDefault() },
  columns: ['name', 'auth-algorithms', 'enc-algorithms', 'lifetime', 'pfs-group'],
  builtins: [{ name: 'default' }],
});

// ------------------------------------------------------------------------------------- policy group
export const policyGroup = menu({
  name: 'policy-group',
  path: 'ip/ipsec/policy/group',
  title: 'Groups',
  key: 'name',
  fields: { name: f.name(), comment: comment() },
  status: { default: statusDefault() },
  columns: ['name'],
  builtins: [{ name: 'default' }],
});

// ------------------------------------------------------------------------------------- profile
export const profile = menu({
  name: 'profile',
  path: 'ip/ipsec/profile',
  title: 'Profiles',
  key: 'name',
  fields: {
    name: f.name(),
    'hash-algorithm': f.enum(HASH_NAMES, 'sha1', {
      tab: 'Encryption',
      help: 'Hash (IKEv1) / integrity (IKEv2) algorithm of phase 1.',
    }),
    'prf-algorithm': f.enum(PRF_NAMES, 'auto', {
      tab: 'Encryption',
      help: 'IKEv2 pseudo-random function; auto uses the hash algorithm.',
    }),
    'enc-algorithm': f.enumList(IKE_CIPHER_NAMES, ['aes-128'], {
      tab: 'Encryption',
      help: 'Encryption algorithms offered in phase 1.',
    }),
    'dh-group': f.enumList(DH_GROUP_NAMES, ['modp1024', 'modp2048'], {
      tab: 'Encryption',
      help: 'Diffie-Hellman groups offered in phase 1.',
    }),
    'proposal-check': f.enum(['claim', 'exact', 'obey', 'strict'], 'obey', {
      tab: 'Advanced',
      help:
        "Phase 2 lifetime check: claim takes the shorter, exact requires equal, obey accepts the initiator's, " +
        'strict rejects longer than configured.',
    }),
    lifetime: f.time(86400, { help: 'Phase 1 lifetime.' }),
    lifebytes: f.int(0, 0, 4294967295, {
      tab: 'Advanced',
      help: 'Phase 1 lifebytes, sent in the proposal only (0 = unlimited).',
    }),
    'nat-traversal': f.bool(true, { help: 'Encapsulate ESP in UDP 4500 when a NAT is detected (RFC 3948).' }),
    'dpd-interval': f.time(120, { help: 'Dead peer detection interval, or disable-dpd.' }, 'disable-dpd'),
    'dpd-maximum-failures': f.int(5, 1, 100, {
      help:
        'Failures until the peer is considered dead: liveness checks left unanswered for one dpd-interval each ' +
        '(dead after (1 + failures) x dpd-interval of silence).',
    }),
    comment: comment(),
  },
  status: { default: statusDefault() },
  columns: ['name', 'hash-algorithm', 'enc-algorithm', 'dh-group', 'lifetime', 'dpd-interval'],
  builtins: [{ name: 'default' }],
});

// ------------------------------------------------------------------------------------- peer
export const peer = menu({
  name: 'peer',
  path: 'ip/ipsec/peer',
  title: 'Peers',
  key: 'name',
  fields: {
    name: f.name(),
    address: f.prefixOrHost('0.0.0.0/0', {
      help: 'Remote peer address prefix (the most specific match wins) or DNS name.',
    }),
    port: f.int(500, 0, 65535, { help: 'Remote UDP port when initiating.' }),
    'local-address': f.address({ help: 'Local address phase 1 binds to; empty = chosen by routing.' }),
    profile: f.ref('profile', 'default', { help: 'Phase 1 profile.' }),
    'exchange-mode': f.enum(['aggressive', 'base', 'main', 'ike2'], 'main', {
      help: 'Phase 1 exchange: ike2 is IKEv2 (RFC 7296); main, aggressive and base are IKEv1.',
    }),
    passive: f.bool(false, { help: 'Only respond; never initiate. Also makes this side the XAuth responder.' }),
    'send-initial-contact': f.bool(true, {
      tab: 'Advanced',
      help: 'Send INITIAL_CONTACT so the remote removes old SAs for this address. Road-warrior clients: no.',
    }),
    disabled: disabled(),
    comment: comment(),
  },
  status: {
    dynamic: statusDynamic(),
    responder: f.status('bool', false, { help: 'Only responds (passive).' }, (v) => (v ? 'yes' : 'no')),
  },
  columns: ['name', 'address', 'local-address', 'profile', 'exchange-mode', 'passive'],
});

// ------------------------------------------------------------------------------------- identity
const ID_TYPES = ['address', 'fqdn', 'user-fqdn', 'key-id', 'dn'] as const;
export const identity = menu({
  name: 'identity',
  path: 'ip/ipsec/identity',
  title: 'Identities',
  fields: {
    peer: f.ref('peer', '', { required: true, help: 'The peer this identity applies to.' }),
    'auth-method': f.enum(
      [
        'digital-signature',
        'eap',
        'eap-radius',
        'pre-shared-key',
        'pre-shared-key-xauth',
        'rsa-key',
        'rsa-signature-hybrid',
      ],
      'pre-shared-key',
      {
        tab: 'Authentication',
        help:
          'How the peers authenticate. eap-radius (responder): we sign with our certificate, the client logs in ' +
          'with EAP-MSCHAPv2, checked against IPsec Users here (no RADIUS server is asked).',
      },
    ),
    secret: f.secret({
      when: { field: 'auth-method', in: ['pre-shared-key', 'pre-shared-key-xauth'] },
      tab: 'Authentication',
      help: 'Pre-shared secret; a value starting with 0x is hex.',
    }),
    certificate: f.ref('certificate', '', {
      when: { field: 'auth-method', in: ['digital-signature', 'eap', 'eap-radius', 'rsa-signature-hybrid'] },
      tab: 'Authentication',
      help: 'Certificate (with private key) this side signs with.',
    }),
    'remote-certificate': f.ref('certificate', '', {
      when: { field: 'auth-method', in: ['digital-signature', 'rsa-signature-hybrid'] },
      tab: 'Authentication',
      help: 'Certificate expected from the remote side; empty = any certificate signed by a trusted CA.',
    }),
    'eap-methods': f.enumList(EAP_METHODS, ['eap-tls'], {
      when: { field: 'auth-method', in: ['eap'] },
      tab: 'Authentication',
      help: 'EAP methods, tried in order (auth-method=eap).',
    }),
    key: f.ref('key', '', {
      when: { field: 'auth-method', in: ['rsa-key'] },
      tab: 'Authentication',
      help: 'Private key (auth-method=rsa-key, IKEv1).',
    }),
    'remote-key': f.ref('key', '', {
      when: { field: 'auth-method', in: ['rsa-key'] },
      tab: 'Authentication',
      help: 'Public key of the remote side (auth-method=rsa-key, IKEv1).',
    }),
    username: f.string({
      when: { field: 'auth-method', in: ['eap', 'pre-shared-key-xauth'] },
      tab: 'Authentication',
      help: 'XAuth or EAP user name (initiator).',
    }),
    password: f.secret({
      when: { field: 'auth-method', in: ['eap', 'pre-shared-key-xauth'] },
      tab: 'Authentication',
      help: 'XAuth or EAP password (initiator).',
    }),
    'my-id': f.id(ID_TYPES, ['auto'], 'auto', {
      help: 'ID sent to the remote: auto, or address:, fqdn:, user-fqdn:, key-id:, dn: with a value.',
    }),
    'remote-id': f.id(ID_TYPES, ['auto', 'ignore'], 'auto', {
      help: 'ID expected from the remote: auto accepts any, ignore skips the certificate check (dangerous).',
    }),
    'match-by': f.enum(['remote-id', 'certificate'], 'remote-id', {
      help: 'Select this identity by the remote ID or by the remote certificate.',
    }),
    'mode-config': f.ref(
      'mode-config',
      'none',
      { help: 'Mode config to hand out (responder) or request (initiator).' },
      ['none'],
    ),
    'generate-policy': f.enum(['no', 'port-override', 'port-strict'], 'no', {
      tab: 'Advanced',
      help: "Create dynamic policies from the peer's traffic selectors, checked against templates.",
    }),
    'policy-template-group': f.ref(
      'policy-group',
      'default',
      { tab: 'Advanced', help: 'Templates that generated policies must match.' },
      ['none'],
    ),
    'notrack-chain': f.string({
      tab: 'Advanced',
      help: 'Add raw firewall notrack rules for generated policies to this chain.',
    }),
    disabled: disabled(),
    comment: comment(),
  },
  status: { dynamic: statusDynamic() },
  columns: ['peer', 'auth-method', 'my-id', 'remote-id', 'mode-config', 'generate-policy'],
});

// ------------------------------------------------------------------------------------- policy
export const policy = menu({
  name: 'policy',
  path: 'ip/ipsec/policy',
  title: 'Policies',
  ordered: true,
  fields: {
    peer: f.ref('peer', '', { help: 'Peer that establishes SAs for this policy.' }),
    tunnel: f.bool(false, { help: 'Tunnel mode (encrypt traffic between networks); no = transport mode.' }),
    'src-address': f.prefix('0.0.0.0/32', { help: 'Source prefix to match.' }),
    'src-port': f.port({ help: 'Source port to match, or any.' }),
    'dst-address': f.prefix('0.0.0.0/32', { help: 'Destination prefix to match.' }),
    'dst-port': f.port({ help: 'Destination port to match, or any.' }),
    protocol: f.protocol({ help: 'IP protocol to match.' }),
    template: f.bool(false, { help: 'A template for generated policies in its group, not a policy itself.' }),
    group: f.ref('policy-group', 'default', { help: 'Policy group of a template.' }),
    action: f.enum(['discard', 'encrypt', 'none'], 'encrypt', {
      tab: 'General',
      help: 'encrypt applies the SA, discard drops, none passes unchanged.',
    }),
    level: f.enum(['require', 'unique', 'use'], 'require', {
      help: 'Without an SA: require drops and acquires, unique acquires an SA only for this policy, use passes.',
    }),
    'ipsec-protocols': f.enum(['ah', 'esp'], 'esp', { help: 'AH or ESP.' }),
    proposal: f.ref('proposal', 'default', { help: 'Phase 2 proposal.' }),
    disabled: disabled(),
    comment: comment(),
  },
  status: {
    default: statusDefault(),
    dynamic: statusDynamic(),
    invalid: statusInvalid(),
    active: f.status('bool', false, { help: 'In use: installed in the data plane.' }, (v) => (v ? 'yes' : 'no')),
    'ph2-state': f.status('enum', 'no-phase2', {
      help: 'Progress of key establishment: expired, no-phase2, established.',
    }),
    'ph2-count': f.status('int', 0, { help: 'Active phase 2 SAs of this policy.' }),
    'sa-src-address': f.status('address', '::', { help: 'SA source address (local peer).', label: 'SA Src. Address' }),
    'sa-dst-address': f.status('address', '::', {
      help: 'SA destination address (remote peer).',
      label: 'SA Dst. Address',
    }),
  },
  columns: [
    'peer',
    'tunnel',
    'src-address',
    'src-port',
    'dst-address',
    'dst-port',
    'protocol',
    'action',
    'level',
    'ph2-count',
  ],
  builtins: [
    {
      group: 'default',
      'src-address': '::/0',
      'dst-address': '::/0',
      template: true,
      proposal: 'default',
      protocol: 'all',
    },
  ],
});

// ------------------------------------------------------------------------------------- mode config
export const modeConfig = menu({
  name: 'mode-config',
  path: 'ip/ipsec/mode-config',
  title: 'Mode Configs',
  key: 'name',
  fields: {
    name: f.name(),
    // The manual's table says "Default: no", but its examples (GRE-over-IPsec server, road warrior
    // server) add responder configs without responder= and set responder=no explicitly for clients,
    // and RouterOS's own built-in client entry is request-only. So a new entry is a responder.
    responder: f.bool(true, { help: 'yes: hand these settings to clients (server); no: request them (client).' }),
    address: f.address({
      when: { field: 'responder', in: [true] },
      help: 'Single address for the initiator instead of a pool.',
    }),
    'address-pool': f.ref('pool', '', {
      when: { field: 'responder', in: [true] },
      help: 'IP > Pool to lease client addresses from (first free; its next-pool when it is full).',
    }),
    'address-prefix-length': f.int(32, 1, 32, {
      when: { field: 'responder', in: [true] },
      help: 'Prefix length of the assigned address.',
    }),
    'split-include': f.prefixList({ help: 'Networks to tunnel (sent to the client); empty = everything.' }),
    'split-dns': f.stringList({
      when: { field: 'responder', in: [true] },
      help: 'DNS names resolved through the tunnel DNS.',
    }),
    'static-dns': f.addressList({ when: { field: 'responder', in: [true] }, help: 'DNS servers sent to the client.' }),
    'system-dns': f.bool(true, {
      when: { field: 'responder', in: [true] },
      help: "Send this router's own DNS servers (not together with static-dns).",
    }),
    'src-address-list': f.string({
      when: { field: 'responder', in: [false] },
      help: 'Client only: address list whose traffic is source-NATed to the received address.',
    }),
    comment: comment(),
  },
  status: { default: statusDefault() },
  columns: ['name', 'responder', 'address-pool', 'address', 'split-include', 'static-dns', 'system-dns'],
  builtins: [{ name: 'request-only', responder: false }],
});

// ------------------------------------------------------------------------------------- keys
/** RSA moduli from 1024 to 8192 bits in the sizes keys are made in (openssl, RouterOS, Windows CAs). */
export const RSA_KEY_SIZES = ['1024', '1536', '2048', '3072', '4096', '6144', '8192'] as const;

export const key = menu({
  name: 'key',
  path: 'ip/ipsec/key',
  title: 'Keys',
  key: 'name',
  fields: {
    name: f.name(),
    // Write-only key material in PEM. Either given (import) or generated by the agent from key-size.
    'private-key-pem': f.secret({
      help: 'PEM key to import; leave empty to generate one of key-size bits.',
      label: 'Key (PEM)',
    }),
    'key-size': f.enum(RSA_KEY_SIZES, '2048', { help: 'RSA key size.' }),
  },
  status: {
    'private-key': f.status('bool', false, { help: 'Holds a private key.' }, (v) => (v ? 'yes' : 'no')),
    rsa: f.status('bool', true, { help: 'An RSA key.', label: 'RSA' }, (v) => (v ? 'yes' : 'no')),
  },
  columns: ['name', 'key-size', 'private-key', 'rsa'],
});

// ------------------------------------------------------------------------------------- certificates
/** RouterOS key-usage words (X.509 keyUsage bits, then extendedKeyUsage purposes). */
export const KEY_USAGES = [
  'digital-signature',
  'content-commitment',
  'key-encipherment',
  'data-encipherment',
  'key-agreement',
  'key-cert-sign',
  'crl-sign',
  'encipher-only',
  'decipher-only',
  'tls-server',
  'tls-client',
  'code-sign',
  'email-protect',
  'timestamp',
  'ocsp-sign',
] as const;
export const EC_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'] as const;

// System > Certificates (RouterOS /certificate). An added entry gets a key pair and a self-signed
// certificate from these properties, or holds an imported PEM; `sign` re-issues it signed by a CA
// entry. Once a certificate exists its subject properties describe it and cannot be edited.
export const certificate = menu({
  name: 'certificate',
  path: 'certificate',
  title: 'Certificates',
  key: 'name',
  fields: {
    name: f.name(),
    'common-name': f.string(
      { help: 'Subject CN; for a server usually its IP address or DNS name. Empty = the name.' },
      64,
    ),
    'subject-alt-name': f.altNames({
      help: 'Subject alternative names: IP:2.2.2.2, DNS:vpn.example.com, email:user@example.com.',
    }),
    country: f.string({ tab: 'Advanced', help: 'Subject C (two letters).' }, 2),
    organization: f.string({ tab: 'Advanced', help: 'Subject O.' }, 64),
    unit: f.string({ tab: 'Advanced', help: 'Subject OU.' }, 64),
    'key-type': f.enum(['rsa', 'ecdsa'], 'rsa', { help: 'Key algorithm of a generated key.' }),
    // One property for both families, as RouterOS: bits for RSA, a named curve for ECDSA.
    'key-size': f.enum([...RSA_KEY_SIZES, ...EC_CURVES], '2048', {
      help: 'RSA: 1024 to 8192 bits (2048, 3072 and 4096 are usual); ECDSA: prime256v1, secp384r1 or secp521r1.',
    }),
    'days-valid': f.int(365, 1, 36500, { help: 'Validity of a generated or signed certificate, in days.' }),
    'key-usage': f.enumList(
      KEY_USAGES,
      [],
      {
        help:
          'Key usages and purposes. Empty = automatic: key-cert-sign,crl-sign for a self-signed CA; ' +
          'digital-signature,key-encipherment,tls-server,tls-client when signed by a CA.',
      },
      { allowEmpty: true },
    ),
    trusted: f.bool(false, { help: "A trust anchor: peers' certificates issued by it are accepted." }),
    // Write-only material in PEM: imported, or generated and signed by the agent.
    'certificate-pem': f.secret({
      tab: 'Advanced',
      help: 'X.509 certificate (PEM) to import; empty = generate a self-signed one.',
      label: 'Certificate (PEM)',
    }),
    'private-key-pem': f.secret({
      tab: 'Advanced',
      help: "Private key (PEM) of an imported certificate; not needed for a CA or a peer's certificate.",
      label: 'Private Key (PEM)',
    }),
    comment: comment(),
  },
  status: {
    issuer: f.status('string', '', { help: 'Issuer DN.' }),
    'serial-number': f.status('string', '', { help: 'Serial number (hex).' }),
    fingerprint: f.status('string', '', { help: 'SHA-256 fingerprint of the certificate.' }),
    'invalid-before': f.status('string', '', { help: 'Not valid before this time (UTC).' }),
    'invalid-after': f.status('string', '', { help: 'Not valid after this time (UTC).' }),
    'expires-after': f.status('time', 0, { help: 'Time left until the certificate expires.' }, (v) =>
      printTime(Number(v)),
    ),
    'private-key': f.status('bool', false, { help: 'Holds the private key (K flag).' }, (v) => (v ? 'yes' : 'no')),
    ca: f.status(
      'bool',
      false,
      { help: 'A certificate authority: may sign certificates (A flag).', label: 'CA' },
      (v) => (v ? 'yes' : 'no'),
    ),
    'issued-by': f.status('string', '', {
      help: 'The Certificates entry that issued this one (self for self-signed); empty if not here.',
    }),
    expired: f.status('bool', false, { help: 'Past invalid-after (E flag).' }, (v) => (v ? 'yes' : 'no')),
    flags: f.status('string', '', { help: 'K private key, A authority (CA), T trusted, E expired.' }),
  },
  columns: [
    'name',
    'common-name',
    'subject-alt-name',
    'key-type',
    'key-size',
    'trusted',
    'ca',
    'issuer',
    'invalid-after',
  ],
});

// ------------------------------------------------------------------------------------- IP > Pool
// RouterOS /ip pool: address ranges that mode config leases client addresses from.
export const pool = menu({
  name: 'pool',
  path: 'ip/pool',
  title: 'Pools',
  key: 'name',
  fields: {
    name: f.name(),
    ranges: f.ranges({
      help: 'Addresses to hand out: ranges a.b.c.d-e.f.g.h, single addresses or prefixes (IPv4 or IPv6), comma-separated.',
    }),
    'next-pool': f.ref('pool', '', { help: 'Pool to take addresses from when this one is exhausted; empty = none.' }, [
      'none',
    ]),
    comment: comment(),
  },
  columns: ['name', 'ranges', 'next-pool'],
});

// ------------------------------------------------------------------------------------- users (XAuth/EAP)
export const user = menu({
  name: 'user',
  path: 'ip/ipsec/user',
  title: 'Users',
  key: 'name',
  fields: {
    name: f.name({ help: 'User name (XAuth / EAP).' }),
    password: f.secret({ help: "The user's password." }),
    address: f.address({ help: 'Address given to this user by mode config; empty = from the pool.' }),
    disabled: disabled(),
    comment: comment(),
  },
  columns: ['name', 'address'],
});

// ------------------------------------------------------------------------------------- settings
export const settings = menu({
  name: 'settings',
  path: 'ip/ipsec/settings',
  title: 'Settings',
  single: true,
  fields: {
    accounting: f.bool(true, { help: 'Send RADIUS accounting (eap-radius, pre-shared-key-xauth).' }),
    'interim-update': f.time(0, { help: 'Interval of RADIUS interim updates; 0s = none.' }),
    'xauth-use-radius': f.bool(false, { help: 'Check XAuth users against RADIUS (IKEv1).', label: 'XAuth Use RADIUS' }),
  },
  columns: ['accounting', 'interim-update', 'xauth-use-radius'],
});

export const CONFIG_MENUS = [
  policy,
  proposal,
  policyGroup,
  peer,
  identity,
  profile,
  modeConfig,
  key,
  user,
  certificate,
  settings,
  pool,
] as const;
export type ConfigMenu = (typeof CONFIG_MENUS)[number];
export type MenuName = ConfigMenu['name'];
export const MENU_NAMES = CONFIG_MENUS.map((m) => m.name) as [MenuName, ...MenuName[]];

export function getMenu(name: string): MenuDef | undefined {
  return (CONFIG_MENUS as readonly MenuDef[]).find((m) => m.name === name);
}
export function menuByPath(path: string): MenuDef | undefined {
  return (CONFIG_MENUS as readonly MenuDef[]).find((m) => m.path === path);
}

/** The menu definition named `M`. */
export type MenuOf<M extends MenuName> = Extract<ConfigMenu, { name: M }>;
/** An entry's values in menu `M`, as the menu's zod field schemas yield them: what the store holds and returns. */
export type MenuValues<M extends MenuName> = Values<MenuOf<M>['fields']>;

export type PolicyValues = MenuValues<'policy'>;
export type ProposalValues = MenuValues<'proposal'>;
export type PolicyGroupValues = MenuValues<'policy-group'>;
export type PeerValues = MenuValues<'peer'>;
export type IdentityValues = MenuValues<'identity'>;
export type ProfileValues = MenuValues<'profile'>;
export type ModeConfigValues = MenuValues<'mode-config'>;
export type KeyValues = MenuValues<'key'>;
export type UserValues = MenuValues<'user'>;
export type CertificateValues = MenuValues<'certificate'>;
export type SettingsValues = MenuValues<'settings'>;
export type PoolValues = MenuValues<'pool'>;

export const menuNameSchema = z.enum(MENU_NAMES);
