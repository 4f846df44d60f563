// The agent's wizard procedures (apps/agent/src/wizard/router.ts, `wizard.*`): preview (nothing
// stored), finish (one transaction), profiles (the download links again, by setup name), and the
// downloads themselves (GET/POST /api/wizard/<setup>/profile/<file> with the session cookie).
import {
  err,
  ok,
  type Result,
  type RoadWarriorInput,
  type SiteToSiteInput,
  type WizardFinishResult,
  type WizardPreview,
} from '@ipsec/schema';
import { failureOf, send } from '../api/rest.ts';
import { messageOf, trpc } from '../api/trpc.ts';

export const previewRoadWarrior = (input: RoadWarriorInput): Promise<WizardPreview> =>
  trpc().wizard.preview.query(input);
export const finishRoadWarrior = (input: RoadWarriorInput): Promise<WizardFinishResult> =>
  trpc().wizard.finish.mutate(input);
export const previewSiteToSite = (input: SiteToSiteInput): Promise<WizardPreview> =>
  trpc().wizard.siteToSite.preview.query(input);
export const finishSiteToSite = (input: SiteToSiteInput): Promise<WizardFinishResult> =>
  trpc().wizard.siteToSite.finish.mutate(input);
/** The files of a stored setup; an export passphrase given here serves later downloads of key files (30 min, memory only). */
export const profilesOf = (name: string, exportPassphrase?: string): Promise<WizardFinishResult> =>
  trpc().wizard.profiles.query(exportPassphrase ? { name, exportPassphrase } : name);

/** Fetches one file (POST with the passphrase when given) and hands it to the browser as a download. */
export async function downloadFile(url: string, filename: string, passphrase?: string): Promise<Result<void>> {
  const answer = await send(
    url,
    passphrase
      ? {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ passphrase }),
        }
      : { credentials: 'same-origin' },
  );
  if (!answer.ok) return err(answer.error.message);
  const res = answer.value;
  if (!res.ok) return err(`${filename}: ${(await failureOf(res)).message}`);
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch (e) {
    return err(messageOf(e));
  }
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return ok(undefined);
}
