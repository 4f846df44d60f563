// The road-warrior wizard's draft: what the user typed, as text, kept in this tab's memory only
// (never in storage: it holds passwords and the PSK) until Finish or Cancel. Each UI step checks
// its part with the schema's zod step schemas (@ipsec/schema wizard.ts); nothing is sent to the
// agent before the Review step's preview, and nothing is stored before Finish.
import {
  defaultProposals,
  wizardAddressingStep,
  wizardBasicsStep,
  wizardClientsStep,
  wizardCredentialsStepFor,
  wizardIssues,
  wizardProposalsStep,
  type RoadWarriorInput,
  type WizardAuth,
  type WizardClient,
  type WizardProposals,
  WIZARD_CLIENTS,
} from '@ipsec/schema';
import type { WizardStep } from './useWizardSteps.ts';

export interface RwDraft {
  auth: WizardAuth;
  users: { name: string; password: string }[];
  clientCertificates: string[];
  psk: string;
  exportPassphrase: string;
  name: string;
  serverAddress: string;
  keyType: 'rsa' | 'ecdsa';
  pool: string[];
  dnsMode: 'system' | 'static' | 'none';
  dns: string[];
  tunnel: 'full' | 'split';
  splitNetworks: string[];
  clients: WizardClient[];
  /** false: the algorithms every selected client accepts (defaultProposals), decided by the agent. */
  customProposals: boolean;
  proposals: WizardProposals;
}

export const newRwDraft = (): RwDraft => ({
  auth: 'eap-mschapv2',
  users: [{ name: '', password: '' }],
  clientCertificates: [''],
  psk: '',
  exportPassphrase: '',
  name: 'rw',
  serverAddress: '',
  keyType: 'rsa',
  pool: ['192.168.77.10-192.168.77.254'],
  dnsMode: 'system',
  dns: [''],
  tunnel: 'full',
  splitNetworks: [''],
  clients: [...WIZARD_CLIENTS],
  customProposals: false,
  proposals: defaultProposals(WIZARD_CLIENTS),
});

/** Field -> message, keyed like the schema's issue paths ("pool.1", "users.0.password", "proposals.ike.dh"). */
export type Errors = Record<string, string>;

/**
 * A list without its blank rows (a blank row is an unused input), and the way back from an index
 * in the sent list to the row the user sees (so "pool.0" lands under the right input).
 */
export function compact(rows: string[]): { list: string[]; row: number[] } {
  const list: string[] = [];
  const row: number[] = [];
  rows.forEach((r, i) => {
    if (r.trim() !== '') {
      list.push(r.trim());
      row.push(i);
    }
  });
  return { list, row };
}

/** Errors keyed by the sent list's index ("pool.0") re-keyed by the row the user sees. */
export const remap = (errors: Errors, field: string, row: number[]): Errors => {
  const out: Errors = {};
  for (const [k, msg] of Object.entries(errors)) {
    const m = new RegExp(`^${field.replace('.', '\\.')}\\.(\\d+)(.*)$`).exec(k);
    out[m ? `${field}.${row[Number(m[1])] ?? m[1]}${m[2]}` : k] = msg;
  }
  return out;
};

/** A zod result's issues by wizard field, the first message of each. */
export function issuesOf(res: { success: boolean; error?: unknown }, prefix = ''): Errors {
  if (res.success) return {};
  const out: Errors = {};
  for (const i of wizardIssues(res.error as Parameters<typeof wizardIssues>[0])) {
    const key = prefix + i.field;
    if (!(key in out)) out[key] = i.message;
  }
  return out;
}

const credentialUsers = (d: RwDraft) => {
  // a row left entirely empty is an unused row; a half-filled one is checked
  const idx: number[] = [];
  const users = d.users
    .filter((u, i) => (u.name.trim() !== '' || u.password !== '' ? idx.push(i) > 0 : false))
    .map((u) => ({ name: u.name.trim(), password: u.password }));
  return { users, idx };
};

/** The credentials of the chosen method only (the others are not sent). */
function credentials(d: RwDraft): Pick<RoadWarriorInput, 'users' | 'clientCertificates' | 'psk' | 'exportPassphrase'> {
  if (d.auth === 'eap-mschapv2') return { users: credentialUsers(d).users };
  if (d.auth === 'psk') return { psk: d.psk };
  return {
    clientCertificates: compact(d.clientCertificates).list,
    ...(d.exportPassphrase ? { exportPassphrase: d.exportPassphrase } : {}),
  };
}

/** What the agent gets: wizard.preview / wizard.finish input. */
export function toInput(d: RwDraft): RoadWarriorInput {
  return {
    name: d.name.trim(),
    auth: d.auth,
    serverAddress: d.serverAddress.trim(),
    keyType: d.keyType,
    pool: compact(d.pool).list,
    dns: d.dnsMode === 'system' ? 'system' : d.dnsMode === 'none' ? [] : compact(d.dns).list,
    splitNetworks: d.tunnel === 'full' ? [] : compact(d.splitNetworks).list,
    clients: d.clients,
    ...credentials(d),
    ...(d.customProposals ? { proposals: d.proposals } : {}),
  };
}

// ------------------------------------------------------------------------------------ steps

export interface RwStepDef extends WizardStep {
  check?: (d: RwDraft) => Errors;
}

const authStep = wizardBasicsStep.pick({ auth: true });
const serverStep = wizardBasicsStep.pick({ name: true, serverAddress: true, keyType: true });
const poolStep = wizardAddressingStep.pick({ pool: true });
const dnsStep = wizardAddressingStep.pick({ dns: true });
const networksStep = wizardAddressingStep.pick({ splitNetworks: true });

export const RW_STEPS: RwStepDef[] = [
  {
    slug: 'authentication',
    label: 'Authentication',
    fields: ['auth', 'users', 'clientCertificates', 'psk', 'exportPassphrase'],
    check: (d) => {
      const errors = issuesOf(authStep.safeParse({ auth: d.auth }));
      const creds = issuesOf(wizardCredentialsStepFor(d.auth).safeParse(credentials(d)));
      let out = { ...errors, ...creds };
      if (d.auth === 'eap-mschapv2') out = remap(out, 'users', credentialUsers(d).idx);
      if (d.auth === 'certificate') out = remap(out, 'clientCertificates', compact(d.clientCertificates).row);
      return out;
    },
  },
  {
    slug: 'server',
    label: 'Server',
    fields: ['name', 'serverAddress', 'keyType'],
    check: (d) => issuesOf(serverStep.safeParse({ name: d.name, serverAddress: d.serverAddress, keyType: d.keyType })),
  },
  {
    slug: 'pool',
    label: 'Address Pool',
    fields: ['pool'],
    check: (d) => {
      const { list, row } = compact(d.pool);
      return remap(issuesOf(poolStep.safeParse({ pool: list })), 'pool', row);
    },
  },
  {
    slug: 'dns',
    label: 'DNS',
    fields: ['dns'],
    check: (d) => {
      if (d.dnsMode !== 'static') return {};
      const { list, row } = compact(d.dns);
      if (list.length === 0) return { 'dns.0': 'list at least one DNS server, or choose "this router" or "none"' };
      return remap(issuesOf(dnsStep.safeParse({ dns: list })), 'dns', row);
    },
  },
  {
    slug: 'networks',
    label: 'Networks',
    fields: ['splitNetworks'],
    check: (d) => {
      if (d.tunnel === 'full') return {};
      const { list, row } = compact(d.splitNetworks);
      if (list.length === 0) return { 'splitNetworks.0': 'list at least one network, or choose full tunnel' };
      return remap(issuesOf(networksStep.safeParse({ splitNetworks: list })), 'splitNetworks', row);
    },
  },
  {
    slug: 'clients',
    label: 'Clients',
    fields: ['clients', 'proposals'],
    check: (d) => ({
      ...issuesOf(wizardClientsStep.safeParse({ clients: d.clients })),
      ...(d.customProposals ? issuesOf(wizardProposalsStep.safeParse({ proposals: d.proposals })) : {}),
    }),
  },
  { slug: 'review', label: 'Review', fields: [] },
];

// ------------------------------------------------------------------------------------ memory

/**
 * The draft outlives the window (an admin may look at Certificates or Pools halfway and come
 * back) but not the page: it is module state, dropped by Cancel, Finish or a reload.
 */
let current: RwDraft | null = null;
export const loadRwDraft = (): RwDraft => current ?? newRwDraft();
export const saveRwDraft = (d: RwDraft) => {
  current = d;
};
export const dropRwDraft = () => {
  current = null;
};
