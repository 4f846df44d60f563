// Read-only menus fed by the agent's live state: Active Peers, Installed SAs, Statistics.
import { f, labelOf, type Field } from './fields.ts';
import { printTime } from './units.ts';

export interface ViewDef {
  name: 'active-peers' | 'installed-sa' | 'statistics';
  path: string;
  title: string;
  /** statistics is one object of counters; the others are lists. */
  single?: boolean;
  fields: Record<string, Field>;
  columns: string[];
  /** Fields only `full` users may read (installed-sa keys). */
  sensitive: string[];
}

const yn = (v: boolean) => (v ? 'yes' : 'no');
const bool = (help: string) => f.status<boolean>('bool', false, { help }, yn);
const int = (help: string) => f.status<number>('int', 0, { help });
const text = (help: string) => f.status<string>('string', '', { help });
const time = (help: string) => f.status<number>('time', 0, { help }, printTime);

function view(def: ViewDef): ViewDef {
  for (const [prop, field] of Object.entries(def.fields)) if (field.meta.label === '') field.meta.label = labelOf(prop);
  return def;
}

export const activePeers = view({
  name: 'active-peers',
  path: 'ip/ipsec/active-peers',
  title: 'Active Peers',
  fields: {
    // RouterOS calls this column `id`; here `id` is the row's number, so the identity is `remote-id`, labelled ID
    'remote-id': f.status<string>('string', '', {
      help: 'Remote ID the peer authenticated as (the EAP user name for EAP clients).',
      label: 'ID',
    }),
    state: text('Phase 1 state, e.g. established.'),
    side: f.status<'initiator' | 'responder'>('enum', 'initiator', { help: 'Which side initiated phase 1.' }),
    responder: bool('The remote peer initiated.'),
    'local-address': text('Local address used with this peer.'),
    'remote-address': text("The remote peer's address."),
    port: int('Remote UDP port.'),
    'natt-peer': bool('NAT-T is used with this peer.'),
    uptime: time('How long the peer has been established.'),
    'last-seen': time('Time since the last message from this peer.'),
    'rx-bytes': int('Bytes received from this peer.'),
    'tx-bytes': int('Bytes sent to this peer.'),
    'rx-packets': int('Packets received from this peer.'),
    'tx-packets': int('Packets sent to this peer.'),
    'ph2-total': int('Active IPsec SAs with this peer.'),
    'dynamic-address': text('Address assigned by mode config.'),
    'exchange-mode': text('IKE version / exchange mode.'),
  },
  columns: [
    'remote-id',
    'state',
    'side',
    'remote-address',
    'uptime',
    'last-seen',
    'rx-bytes',
    'tx-bytes',
    'ph2-total',
    'dynamic-address',
  ],
  sensitive: [],
});

export const installedSa = view({
  name: 'installed-sa',
  path: 'ip/ipsec/installed-sa',
  title: 'Installed SAs',
  fields: {
    spi: text('Security Parameter Index.'),
    'src-address': text('Source address of the SA.'),
    'dst-address': text('Destination address of the SA.'),
    AH: bool('AH protocol.'),
    ESP: bool('ESP protocol.'),
    'enc-algorithm': text('Encryption algorithm.'),
    'enc-key-size': int('Encryption key length in bits.'),
    'auth-algorithm': text('Integrity algorithm.'),
    'enc-key': text('Encryption key (full users only).'),
    'auth-key': text('Integrity key (full users only).'),
    'current-bytes': int('Bytes processed by this SA.'),
    'current-packets': int('Packets processed by this SA.'),
    'add-lifetime': text('Soft/hard lifetime when added.'),
    addtime: text('When the SA was added.'),
    'expires-in': time('Time until rekey (soft lifetime).'),
    replay: int('Replay window size.'),
    state: text('mature, dying, ...'),
    'hw-aead': bool('Hardware accelerated AEAD.'),
  },
  columns: [
    'spi',
    'src-address',
    'dst-address',
    'state',
    'enc-algorithm',
    'auth-algorithm',
    'current-bytes',
    'expires-in',
  ],
  sensitive: ['enc-key', 'auth-key'],
});

export const STAT_COUNTERS = [
  ['in-errors', 'All inbound errors not matched by other counters.'],
  ['in-buffer-errors', 'No free buffer.'],
  ['in-header-errors', 'Header error.'],
  ['in-no-states', 'No state found: inbound SPI, address or protocol wrong.'],
  ['in-state-protocol-errors', 'Transformation protocol error, e.g. wrong key.'],
  ['in-state-mode-errors', 'Transformation mode error.'],
  ['in-state-sequence-errors', 'Sequence number out of window.'],
  ['in-state-expired', 'State expired.'],
  ['in-state-mismatches', 'State option mismatch, e.g. UDP encapsulation type.'],
  ['in-state-invalid', 'State invalid.'],
  ['in-template-mismatches', 'No matching template for states.'],
  ['in-no-policies', 'No policy found for states.'],
  ['in-policy-blocked', 'Policy discards.'],
  ['in-policy-errors', 'Policy errors.'],
  ['out-errors', 'All outbound errors not matched by other counters.'],
  ['out-bundle-errors', 'Bundle generation error.'],
  ['out-bundle-check-errors', 'Bundle check error.'],
  ['out-no-states', 'No state found.'],
  ['out-state-protocol-errors', 'Transformation protocol error.'],
  ['out-state-mode-errors', 'Transformation mode error.'],
  ['out-state-sequence-errors', 'Sequence error, e.g. overflow.'],
  ['out-state-expired', 'State expired.'],
  ['out-policy-blocked', 'Policy discards.'],
  ['out-policy-dead', 'Policy is dead.'],
  ['out-policy-errors', 'Policy error.'],
] as const;

export type StatCounter = (typeof STAT_COUNTERS)[number][0];

/**
 * IKE datagrams our engine dropped, by reason. The manual's Statistics are the kernel's ESP counters only; these
 * follow them as `ike-<reason>` so garbage and attacks on UDP 500/4500 show too. The engine counts by these reasons.
 */
export const IKE_DROP_COUNTERS = [
  ['in-length-errors', "Shorter than an IKE header, or a header length that is not the datagram's."],
  ['in-header-errors', 'Header or payload chain that does not parse (version, truncation, unknown critical payload).'],
  ['in-no-states', 'For no IKE SA we know (unknown SPI).'],
  ['in-state-mismatches', "For a known IKE SA, but with the other side's SPI or role wrong."],
  ['in-integrity-errors', 'Encrypted payload whose integrity check fails.'],
  ['in-fragment-errors', 'Fragment (RFC 7383) beyond the limits, or whose reassembled message does not parse.'],
  ['in-sequence-errors', 'Request with a message ID outside the window, or a response to no request of ours.'],
  ['in-cookie-errors', 'IKE_SA_INIT with a COOKIE we did not hand out (RFC 7296 2.6).'],
  ['in-no-resources', 'IKE_SA_INIT ignored: the half-open or IKE SA limit is reached.'],
] as const;

export type IkeDropReason = (typeof IKE_DROP_COUNTERS)[number][0];
export type IkeStatCounter = `ike-${IkeDropReason}`;
export const ikeStatCounter = (reason: IkeDropReason): IkeStatCounter => `ike-${reason}`;
/** Every counter of the Statistics view: the manual's, then ours for IKE. */
export const STATISTICS_COUNTERS: readonly (readonly [StatCounter | IkeStatCounter, string])[] = [
  ...STAT_COUNTERS,
  ...IKE_DROP_COUNTERS.map(([reason, help]) => [ikeStatCounter(reason), `IKE: ${help}`] as const),
];

export const statistics = view({
  name: 'statistics',
  path: 'ip/ipsec/statistics',
  title: 'Statistics',
  single: true,
  fields: Object.fromEntries(STATISTICS_COUNTERS.map(([name, help]) => [name, int(help)])),
  columns: STATISTICS_COUNTERS.map(([name]) => name),
  sensitive: [],
});

export const VIEWS = [activePeers, installedSa, statistics] as const;
export function getView(name: string): ViewDef | undefined {
  return VIEWS.find((v) => v.name === name);
}
