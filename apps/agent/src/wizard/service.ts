// The wizards' behaviour behind both transports (tRPC procedures and the HTTP download route):
// preview (plan + warnings), finish (certificates made with the agent's certificate code, then every
// object in ONE store batch: all or nothing), the files of a stored setup, and their download
// (private keys and pre-shared keys only for group full, audited). Secrets are never logged.
import { hostname } from 'node:os';
import {
  ConfigError,
  applyInput,
  certificate,
  defaults,
  parseWizardInput,
  roadWarriorInputSchema,
  siteToSiteInputSchema,
  type ConfigIssue,
  type WizardClient,
  type WizardFinishResult,
  type WizardPreview,
} from '@ipsec/schema';
import type { ZodType } from 'zod';
import type { User } from '../auth/users.ts';
import type { Services } from '../api/router.ts';
import { NotFoundError, requireFull, requireWrite } from '../api/config-service.ts';
import type { Op } from '../store/config-store.ts';
import { issue } from '../store/certificates.ts';
import { WIZARD_MENU, planRoadWarrior, planSiteToSite, presentPlan, type Plan } from './plan.ts';
import { describeFiles, listProfiles } from './profiles/index.ts';
import { readSetup } from './setup.ts';

/** How long a passphrase given to finish/profiles serves later downloads of the same user (memory only). */
const PASSPHRASE_TTL_MS = 30 * 60_000;

export interface Download {
  filename: string;
  contentType: string;
  body: Buffer;
}

/** The wizard input, or its issues as the API's ConfigError: menu "wizard", field = the wizard field path. */
function parse<T>(schema: ZodType<T>, raw: unknown): T {
  const input = parseWizardInput(schema, raw);
  if (input.ok) return input.value;
  throw new ConfigError(
    input.error.map((i): ConfigIssue => ({
      menu: WIZARD_MENU,
      ...(i.field ? { field: i.field } : {}),
      message: i.message,
    })),
  );
}

export class WizardService {
  private readonly passphrases = new Map<string, { passphrase: string; until: number }>();

  constructor(private readonly s: Services) {}

  // ------------------------------------------------------------------------------------ preview
  previewRoadWarrior(raw: unknown): WizardPreview {
    return this.preview(planRoadWarrior(parse(roadWarriorInputSchema, raw), this.s.config.store));
  }

  previewSiteToSite(raw: unknown): WizardPreview {
    return this.preview(planSiteToSite(parse(siteToSiteInputSchema, raw), this.s.config.store));
  }

  private preview(plan: Plan): WizardPreview {
    if (plan.issues.length) throw new ConfigError(plan.issues);
    return { objects: presentPlan(plan), warnings: plan.warnings };
  }

  // ------------------------------------------------------------------------------------ finish
  async finishRoadWarrior(user: User, raw: unknown): Promise<WizardFinishResult> {
    requireWrite(user);
    const input = parse(roadWarriorInputSchema, raw);
    const plan = planRoadWarrior(input, this.s.config.store);
    await this.apply(
      user,
      plan,
      `wizard: road warrior "${input.name}" (auth ${input.auth}, ${plan.objects.length} objects)`,
    );
    if (input.exportPassphrase) this.remember(user, input.name, input.exportPassphrase);
    return this.profiles(user, input.name, input.clients);
  }

  async finishSiteToSite(user: User, raw: unknown): Promise<WizardFinishResult> {
    requireWrite(user);
    const input = parse(siteToSiteInputSchema, raw);
    const plan = planSiteToSite(input, this.s.config.store);
    await this.apply(
      user,
      plan,
      `wizard: site to site "${input.name}" to ${input.remoteAddress} (${plan.objects.length} objects)`,
    );
    return this.profiles(user, input.name);
  }

  /**
   * Certificates first (async key generation and signing, outside the store), then every object in
   * one batch: the store validates the whole result and commits it as one revision, or nothing.
   */
  private async apply(user: User, plan: Plan, summary: string): Promise<void> {
    if (plan.issues.length) throw new ConfigError(plan.issues);
    const made = new Map<string, { 'certificate-pem': string; 'private-key-pem': string }>();
    const ops: Op[] = [];
    for (const o of plan.objects) {
      if (o.menu === 'certificate' && o.issuer) {
        const subject = applyInput(certificate, defaults(certificate), o.values);
        const ca = o.issuer === 'self' ? undefined : made.get(o.issuer);
        if (o.issuer !== 'self' && !ca) throw new Error(`wizard plan: issuer ${o.issuer} comes after ${subject.name}`);
        const cert = await issue(subject, ca ? { values: ca } : undefined);
        const pems = { 'certificate-pem': cert.certificate, 'private-key-pem': cert.privateKey };
        made.set(subject.name, pems);
        ops.push({ op: 'add', menu: 'certificate', values: { ...o.values, ...pems } });
      } else ops.push({ op: 'add', menu: o.menu, values: o.values });
    }
    await this.s.config.apply(user, ops, summary);
    this.s.live.log(['system', 'info'], `${summary} created by ${user.name}`);
  }

  // ------------------------------------------------------------------------------------ files
  /** The files of a stored setup (all clients unless told), with their download URLs. */
  profiles(user: User, name: string, clients?: readonly WizardClient[], exportPassphrase?: string): WizardFinishResult {
    const setup = readSetup(this.s.config.store.config(), name);
    if (exportPassphrase) this.remember(user, name, exportPassphrase);
    return { name, profiles: describeFiles(name, listProfiles(setup, clients)) };
  }

  /** One file's content. Files with a private key or pre-shared key: group full only, audited. */
  async download(user: User, name: string, filename: string, passphrase?: string): Promise<Download> {
    const setup = readSetup(this.s.config.store.config(), name);
    const file = listProfiles(setup).find((f) => f.filename === filename);
    if (!file) throw new NotFoundError(`wizard: setup "${name}" has no file "${filename}"`);
    if (file.containsKey) requireFull(user);
    const pass = passphrase || this.remembered(user, name);
    const allCertPems = this.s.config.store
      .list('certificate')
      .map((c) => c.values['certificate-pem'])
      .filter(Boolean);
    const body = await file.render({ ...(pass ? { passphrase: pass } : {}), allCertPems, org: hostname() });
    if (file.containsKey) {
      const what = setup.kind === 'road-warrior' && setup.auth !== 'psk' ? 'private key' : 'pre-shared key';
      this.s.users.audit(user.name, 'wizard export', `${name}/${filename} (with ${what})`);
      this.s.live.log(['system', 'info'], `wizard file ${name}/${filename} exported (with ${what}) by ${user.name}`);
    }
    return { filename, contentType: file.contentType, body };
  }

  private remember(user: User, name: string, passphrase: string): void {
    const now = Date.now();
    for (const [k, v] of this.passphrases) if (v.until < now) this.passphrases.delete(k);
    this.passphrases.set(`${user.name}\0${name}`, { passphrase, until: now + PASSPHRASE_TTL_MS });
  }

  private remembered(user: User, name: string): string | undefined {
    const v = this.passphrases.get(`${user.name}\0${name}`);
    return v && v.until > Date.now() ? v.passphrase : undefined;
  }
}

const services = new WeakMap<Services['config'], WizardService>();

/** The one WizardService of an agent (shared by its tRPC router and HTTP route). */
export function wizardService(s: Services): WizardService {
  let w = services.get(s.config);
  if (!w) services.set(s.config, (w = new WizardService(s)));
  return w;
}

export { NotFoundError };
