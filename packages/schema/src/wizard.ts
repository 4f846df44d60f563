// The "Road warrior server" and "Site to site" wizards' input, shared by the web UI (step-by-step
// validation) and the agent (preview, finish). Each step is its own zod schema; an issue's `path`
// names the wizard field (`pool.1`, `users.0.password`, `proposals.ike.dh`), and `wizardIssues`
// turns a ZodError into { field, message } pairs in that form.
//
// The objects the wizard creates follow the manual's (seed 000) "Road Warrior setup using IKEv2"
// examples: CA + server certificate, ip/pool, mode-config, policy group + template, profile,
// proposal (pfs-group=none), passive ike2 peer, identity with generate-policy=port-strict.
import { z } from 'zod';
import {
  DH_GROUP_NAMES,
  ESP_AUTH_NAMES,
  ESP_CIPHER_NAMES,
  HASH_NAMES,
  IKE_CIPHER_NAMES,
  nullAlgorithmIssues,
  type DhGroupName,
  type EspAuthName,
  type EspCipherName,
  type HashName,
  type IkeCipherName,
} from './algorithms.ts';
import { err, ok, type Result } from './result.ts';
import { ValueError, familyOf, isHostname, parseAddress, parsePrefix, parseRange, rangeBounds } from './units.ts';

export const WIZARD_CLIENTS = ['windows', 'macos', 'ios', 'android', 'linux'] as const;
export type WizardClient = (typeof WIZARD_CLIENTS)[number];
export const WIZARD_CLIENT_LABELS: Record<WizardClient, string> = {
  windows: 'Windows (built-in IKEv2)',
  macos: 'macOS',
  ios: 'iOS / iPadOS',
  android: 'Android (strongSwan app)',
  linux: 'Linux (strongSwan swanctl)',
};

export const WIZARD_AUTH_METHODS = ['certificate', 'eap-mschapv2', 'psk'] as const;
export type WizardAuth = (typeof WIZARD_AUTH_METHODS)[number];

/** Longest name prefix: leaves room for the suffixes the wizard appends ("-policies", "-server", ...). */
export const WIZARD_NAME_MAX = 40;
/** Shortest pre-shared key the wizard accepts (the manual: an offline attack on a PSK is possible). */
export const WIZARD_PSK_MIN = 16;
/** Shortest PKCS#12 export passphrase. */
export const WIZARD_PASSPHRASE_MIN = 10;

// ------------------------------------------------------------------------------------ value helpers

/** A zod string refined by one of the units parsers: the parser's message becomes the issue message. */
function parsed(parse: (s: string) => string, what: string) {
  return z.string({ error: `must be ${what}` }).transform((s, ctx) => {
    try {
      return parse(s);
    } catch (e) {
      if (e instanceof ValueError) {
        ctx.addIssue({ code: 'custom', message: e.message });
        return z.NEVER;
      }
      throw e;
    }
  });
}

/** A list given as an array or as RouterOS text "a,b,c" (empty text = empty list). */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (raw) =>
      typeof raw === 'string'
        ? raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : raw,
    z.array(item),
  );
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const objectName = (what: string, max = 64) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, `${what} is required`)
    .max(max, `must be at most ${max} characters`)
    .regex(NAME_RE, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit');

function unique<T>(key: (x: T) => string, what: string) {
  return (xs: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      const k = key(x);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${k}" is listed twice` });
      seen.add(k);
    });
  };
}

function enumList<const V extends readonly [string, ...string[]]>(values: V, what: string) {
  return listOf(z.enum(values, { error: (i) => `"${String(i.input)}" is not one of: ${values.join(', ')}` }))
    .refine((xs) => xs.length > 0, `list at least one ${what}`)
    .superRefine(unique((x: string) => x, what)) as unknown as z.ZodType<V[number][], unknown>;
}

/**
 * Text that is meant as an IP address rather than a DNS name: digits and dots only (IPv4, checked by
 * parseAddress), or any colon (IPv6). Everything else is a DNS name.
 */
export function isIpLiteral(s: string): boolean {
  return /^[0-9.]+$/.test(s) || s.includes(':');
}

/** A peer address for an address or DNS name: an IP literal as its host prefix (/32, /128), a DNS name as it is. */
export function hostPeerAddress(s: string): string {
  return isIpLiteral(s) ? `${s}/${familyOf(s) === 6 ? 128 : 32}` : s;
}

/** IP address or DNS name (the server's address clients connect to; its certificate's SAN). */
export const serverAddressSchema = z
  .string({ error: 'must be an IP address or a DNS name' })
  .trim()
  .min(1, 'is required: the public IP address or DNS name clients connect to')
  .transform((s, ctx) => {
    if (isIpLiteral(s)) {
      try {
        return parseAddress(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }
    if (isHostname(s) && s.includes('.')) return s.toLowerCase().replace(/\.$/, '');
    ctx.addIssue({ code: 'custom', message: `"${s}" is neither an IP address nor a fully qualified DNS name` });
    return z.NEVER;
  });

/** How a server address appears in certificates and IKE IDs. */
export function serverIdOf(serverAddress: string): { kind: 'address' | 'fqdn'; san: string; id: string } {
  return isIpLiteral(serverAddress)
    ? { kind: 'address', san: `IP:${serverAddress}`, id: `address:${serverAddress}` }
    : { kind: 'fqdn', san: `DNS:${serverAddress}`, id: `fqdn:${serverAddress}` };
}

export const addressSchema = parsed(parseAddress, 'an IP address');
export const prefixSchema = parsed(parsePrefix, 'an IP prefix such as 10.5.8.0/24');
export const poolRangeSchema = parsed((s) => {
  const r = parseRange(s);
  if (familyOf(r) !== 4) throw new ValueError(`"${s}" is IPv6; mode config hands out IPv4 addresses`);
  return r;
}, 'an address range such as 10.10.10.10-10.10.10.200');

/** Pool ranges: at least one, IPv4, not overlapping each other. */
export const poolSchema = listOf(poolRangeSchema).superRefine((ranges, ctx) => {
  if (ranges.length === 0)
    ctx.addIssue({ code: 'custom', message: 'list at least one range, e.g. 10.10.10.10-10.10.10.200' });
  const bounds = ranges.map((r) => rangeBounds(r));
  bounds.forEach((b, i) => {
    const j = bounds.findIndex((o, k) => k < i && o.start <= b.end && b.start <= o.end);
    if (j >= 0) ctx.addIssue({ code: 'custom', path: [i], message: `"${ranges[i]}" overlaps "${ranges[j]}"` });
  });
});

/** "system" (this router's own DNS servers) or a list of addresses; list errors name the item (dns.1). */
const dnsList = listOf(addressSchema);
export const dnsSchema = z.unknown().transform((raw, ctx): 'system' | string[] => {
  if (typeof raw === 'string' && raw.trim() === 'system') return 'system';
  const r = dnsList.safeParse(raw);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
  return z.NEVER;
}) as unknown as z.ZodType<'system' | string[], 'system' | string | string[]>;

// ------------------------------------------------------------------------------------ proposals

export const ikeProposalSchema = z.object({
  /** Profile enc-algorithm. */
  enc: enumList(IKE_CIPHER_NAMES, 'encryption algorithm') as z.ZodType<IkeCipherName[], unknown>,
  /**
   * Profile hash-algorithm. A list for the future; a RouterOS profile holds exactly one hash, so
   * exactly one is accepted now.
   */
  hash: (enumList(HASH_NAMES, 'hash algorithm') as z.ZodType<HashName[], unknown>).refine(
    (xs) => xs.length === 1,
    'a profile has one hash-algorithm: pick exactly one (sha256 works for Windows, macOS, iOS and Android)',
  ),
  /** Profile dh-group. */
  dh: enumList(DH_GROUP_NAMES, 'DH group') as z.ZodType<DhGroupName[], unknown>,
});
export type IkeProposalInput = z.output<typeof ikeProposalSchema>;

export const espProposalSchema = z
  .object({
    /** Proposal enc-algorithms. */
    enc: enumList(ESP_CIPHER_NAMES, 'encryption algorithm') as z.ZodType<EspCipherName[], unknown>,
    /** Proposal auth-algorithms. */
    auth: enumList(ESP_AUTH_NAMES, 'integrity algorithm') as z.ZodType<EspAuthName[], unknown>,
    /** Proposal pfs-group (the manual advises none for road warriors). */
    pfs: z.enum([...DH_GROUP_NAMES, 'none'] as [string, ...string[]], {
      error: (i) => `"${String(i.input)}" is not none or a DH group`,
    }) as z.ZodType<DhGroupName | 'none', unknown>,
  })
  .superRefine((p, ctx) => {
    for (const i of nullAlgorithmIssues(p.enc, p.auth))
      ctx.addIssue({ code: 'custom', path: [i.field], message: i.message });
  });
export type EspProposalInput = z.output<typeof espProposalSchema>;

export const proposalsSchema = z.object({ ike: ikeProposalSchema, esp: espProposalSchema });
export type WizardProposals = z.output<typeof proposalsSchema>;

/**
 * Proposals that the selected clients' built-in defaults accept, per the manual's compatibility
 * tables (seed 000, "Windows/macOS/iOS/Android client configuration"):
 * - phase 1 sha256 + aes-256(cbc): in the Windows 10, macOS, iOS and strongSwan tables;
 *   DH modp2048 for macOS/iOS/Android, and modp1024 only when Windows is selected (Windows 10 proposes
 *   nothing else; strongSwan's defaults do not include it);
 * - phase 2 aes-256-cbc/aes-128-cbc with sha256/sha1 and pfs-group=none (every table has sha1 +
 *   aes-128-cbc or aes-256-cbc without PFS; the manual advises pfs-group=none).
 * apps/agent's wizard/compat.ts holds the tables themselves and its tests check these defaults
 * against them for every subset of clients.
 */
export function defaultProposals(clients: readonly WizardClient[] = WIZARD_CLIENTS): WizardProposals {
  return {
    ike: {
      enc: ['aes-256', 'aes-128'],
      hash: ['sha256'],
      dh: clients.includes('windows') ? ['modp2048', 'ecp256', 'modp1024'] : ['modp2048', 'ecp256'],
    },
    esp: { enc: ['aes-256-cbc', 'aes-128-cbc'], auth: ['sha256', 'sha1'], pfs: 'none' },
  };
}

// ------------------------------------------------------------------------------------ road warrior steps

/** Step 1: what it is called, how clients authenticate, where they connect to. */
export const wizardBasicsStep = z.object({
  /** Prefix of every object name: rw -> rw, rw-pool, rw-conf, rw-policies, rw-ca, rw-server. */
  name: objectName('a name prefix', WIZARD_NAME_MAX).default('rw'),
  auth: z
    .enum(WIZARD_AUTH_METHODS, { error: `must be one of: ${WIZARD_AUTH_METHODS.join(', ')}` })
    .default('certificate'),
  /** Public IP address or DNS name of this server: the server certificate's CN and SAN, the clients' remote ID. */
  serverAddress: serverAddressSchema,
  /** Key of the generated CA, server and client certificates (rsa 2048 or ecdsa prime256v1). */
  keyType: z.enum(['rsa', 'ecdsa']).default('rsa'),
});

/** Step 2: addresses handed to clients (mode config). */
export const wizardAddressingStep = z.object({
  /** IP > Pool ranges, e.g. ["10.10.10.10-10.10.10.200"] or "10.10.10.10-10.10.10.200". */
  pool: poolSchema,
  /** DNS servers for clients: "system" = this router's own (system-dns=yes), or a list (static-dns); [] = none. */
  dns: dnsSchema.default('system'),
  /** Networks reachable through the tunnel (split-include); empty = full tunnel 0.0.0.0/0. */
  splitNetworks: listOf(prefixSchema)
    .superRefine(unique((x: string) => x, 'network'))
    .default([]),
});

/** Step 3: which client systems profiles are made for (and whose compatibility is checked). */
export const wizardClientsStep = z.object({
  clients: listOf(
    z.enum(WIZARD_CLIENTS, { error: (i) => `"${String(i.input)}" is not one of: ${WIZARD_CLIENTS.join(', ')}` }),
  )
    .superRefine(unique((x: string) => x, 'client'))
    .refine((xs) => xs.length > 0, 'select at least one client system')
    .default([...WIZARD_CLIENTS]),
});

export const wizardUserSchema = z.object({
  name: objectName('a user name'),
  password: z
    .string({ error: 'is required' })
    .min(8, 'must be at least 8 characters')
    .max(255, 'must be at most 255 characters'),
});

export const WIZARD_MAX_CLIENT_CERTIFICATES = 50;

/** Step 4 (fields depend on auth): EAP users, client certificate names, or the pre-shared key. */
export const wizardCredentialsStep = z.object({
  /** auth=eap-mschapv2: IPsec Users (name + password). */
  users: z
    .array(wizardUserSchema)
    .superRefine(unique((u: { name: string }) => u.name, 'user'))
    .default([]),
  /** auth=certificate: one client certificate per name (its common name; a .p12 each). */
  clientCertificates: listOf(objectName('a certificate name'))
    .superRefine(unique((x: string) => x, 'certificate'))
    // each is a key pair made at Finish (async, off the event loop): a cap per run, as for keys in one request
    .refine((xs) => xs.length <= WIZARD_MAX_CLIENT_CERTIFICATES, {
      message: `at most ${WIZARD_MAX_CLIENT_CERTIFICATES} client certificates per run (run the wizard again for more)`,
    })
    .default([]),
  /** auth=psk: the pre-shared key. */
  psk: z.string().max(8192, 'must be at most 8192 characters').optional(),
  /**
   * Passphrase of the .p12 files (client certificates) offered after finish; kept in the agent's
   * memory for this session only, never stored. Downloads may also send it (X-Export-Passphrase).
   */
  exportPassphrase: z
    .string()
    .min(WIZARD_PASSPHRASE_MIN, `must be at least ${WIZARD_PASSPHRASE_MIN} characters`)
    .max(1024)
    .optional(),
});

/** The credential rules of one auth method, as issues on wizardCredentialsStep's fields. */
export function checkCredentials(
  auth: WizardAuth,
  c: Partial<z.output<typeof wizardCredentialsStep>>,
  ctx: z.RefinementCtx,
): void {
  if (auth === 'eap-mschapv2' && (c.users?.length ?? 0) === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['users'],
      message: 'add at least one user (name and password) for EAP-MSCHAPv2',
    });
  if (auth === 'certificate' && (c.clientCertificates?.length ?? 0) === 0)
    ctx.addIssue({ code: 'custom', path: ['clientCertificates'], message: 'name at least one client certificate' });
  if (auth === 'psk') {
    if (!c.psk) ctx.addIssue({ code: 'custom', path: ['psk'], message: 'is required for auth=psk' });
    else if (c.psk.length < WIZARD_PSK_MIN)
      ctx.addIssue({
        code: 'custom',
        path: ['psk'],
        message: `must be at least ${WIZARD_PSK_MIN} characters (an offline attack on a pre-shared key is possible)`,
      });
  }
}

/** wizardCredentialsStep with the rules of `auth` (the UI validates step 4 with this). */
export function wizardCredentialsStepFor(auth: WizardAuth) {
  return wizardCredentialsStep.superRefine((c, ctx) => checkCredentials(auth, c, ctx));
}

/** Step 5: phase 1 / phase 2 algorithms; omitted = defaultProposals(clients). */
export const wizardProposalsStep = z.object({ proposals: proposalsSchema.optional() });

export const WIZARD_STEPS = [
  { id: 'basics', title: 'Server', schema: wizardBasicsStep },
  { id: 'addressing', title: 'Addresses', schema: wizardAddressingStep },
  { id: 'clients', title: 'Clients', schema: wizardClientsStep },
  { id: 'credentials', title: 'Authentication', schema: wizardCredentialsStep },
  { id: 'proposals', title: 'Proposals', schema: wizardProposalsStep },
] as const;

/** The whole road-warrior wizard input; proposals default to what every selected client accepts. */
export const roadWarriorInputSchema = wizardBasicsStep
  .extend(wizardAddressingStep.shape)
  .extend(wizardClientsStep.shape)
  .extend(wizardCredentialsStep.shape)
  .extend(wizardProposalsStep.shape)
  .superRefine((v, ctx) => checkCredentials(v.auth, v, ctx))
  .transform((v) => ({ ...v, proposals: v.proposals ?? defaultProposals(v.clients) }));

export type RoadWarriorInput = z.input<typeof roadWarriorInputSchema>;
export type RoadWarriorConfig = z.output<typeof roadWarriorInputSchema>;

// ------------------------------------------------------------------------------------ site to site

export const defaultSiteToSiteProposals = (): WizardProposals => ({
  ike: { enc: ['aes-256', 'aes-128'], hash: ['sha256'], dh: ['modp2048'] },
  esp: { enc: ['aes-256-cbc', 'aes-128-cbc'], auth: ['sha256'], pfs: 'modp2048' },
});

/** Site to site (the manual's "Site to Site IPsec tunnel" example) with a pre-shared key. */
export const siteToSiteInputSchema = z
  .object({
    name: objectName('a name prefix', WIZARD_NAME_MAX).default('s2s'),
    /**
     * ike2, or main (IKEv1) for old peers that cannot do IKEv2 (the review says what IKEv1 costs).
     */
    exchangeMode: z.enum(['ike2', 'main']).default('ike2'),
    /** This router's public address (peer local-address, the other end's peer address). */
    localAddress: addressSchema,
    /** The other router's public address or DNS name. */
    remoteAddress: serverAddressSchema,
    localNetworks: listOf(prefixSchema)
      .superRefine(unique((x: string) => x, 'network'))
      .refine((xs) => xs.length > 0, 'list at least one local network'),
    remoteNetworks: listOf(prefixSchema)
      .superRefine(unique((x: string) => x, 'network'))
      .refine((xs) => xs.length > 0, 'list at least one remote network'),
    psk: z
      .string({ error: 'is required' })
      .min(
        WIZARD_PSK_MIN,
        `must be at least ${WIZARD_PSK_MIN} characters (an offline attack on a pre-shared key is possible)`,
      )
      .max(8192),
    proposals: proposalsSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const ip = isIpLiteral(v.remoteAddress);
    if (ip && v.remoteAddress === v.localAddress)
      ctx.addIssue({ code: 'custom', path: ['remoteAddress'], message: "is this router's own address" });
    if (ip && familyOf(v.remoteAddress) !== familyOf(v.localAddress))
      ctx.addIssue({
        code: 'custom',
        path: ['remoteAddress'],
        message: `is IPv${familyOf(v.remoteAddress)} but localAddress is IPv${familyOf(v.localAddress)}`,
      });
    v.remoteNetworks.forEach((r, i) => {
      if (v.localNetworks.includes(r))
        ctx.addIssue({ code: 'custom', path: ['remoteNetworks', i], message: `${r} is also a local network` });
    });
  })
  .transform((v) => ({ ...v, proposals: v.proposals ?? defaultSiteToSiteProposals() }));

export type SiteToSiteInput = z.input<typeof siteToSiteInputSchema>;
export type SiteToSiteConfig = z.output<typeof siteToSiteInputSchema>;

// ------------------------------------------------------------------------------------ API shapes

/** One object the wizard will create, in a RouterOS menu (preview). Secrets appear masked. */
export interface WizardObject {
  menu: string;
  values: Record<string, unknown>;
  /** What happens besides adding the values (e.g. "key generated and certificate signed by rw-ca at finish"). */
  note?: string;
}

/** A client compatibility warning (from the manual's tables and known limitations). */
export interface WizardWarning {
  client: WizardClient | 'all';
  /** Wizard field to change, e.g. "proposals.ike.dh", "splitNetworks". */
  field: string;
  message: string;
  fix: string;
}

export interface WizardPreview {
  objects: WizardObject[];
  warnings: WizardWarning[];
}

/** A downloadable file for a client. */
export interface WizardProfileFile {
  client: WizardClient | 'all';
  label: string;
  filename: string;
  /** GET with the session cookie. */
  url: string;
  /** Holds a private key (a .p12 or a profile with one): group full only, needs an export passphrase. */
  containsKey?: boolean;
  /** The user or client certificate this file is for, if it is per user. */
  user?: string;
}

export interface WizardFinishResult {
  name: string;
  profiles: WizardProfileFile[];
}

/** What is wrong with a wizard input: the wizard field ("users.0.password"; "" = the whole input) and why. */
export interface WizardIssue {
  field: string;
  message: string;
}

/** A ZodError's issues as { field: "users.0.password", message } (field "" = the whole input). */
export function wizardIssues(error: z.ZodError): WizardIssue[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}

/** A wizard input checked by its `schema`: the typed input, or the issues naming the wizard fields. */
export function parseWizardInput<T>(schema: z.ZodType<T>, raw: unknown): Result<T, WizardIssue[]> {
  const parsed = schema.safeParse(raw);
  return parsed.success ? ok(parsed.data) : err(wizardIssues(parsed.error));
}
