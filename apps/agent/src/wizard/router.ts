// tRPC procedures of the wizards (mounted as `wizard` in the app router):
//   wizard.preview(input)            -> { objects: {menu, values, note?}[], warnings: {client, field, message, fix}[] }
//   wizard.finish(input)             -> { name, profiles: {client, label, filename, url, containsKey?, user?}[] }  (write/full)
//   wizard.profiles(name | {name, clients?, exportPassphrase?}) -> the same for a stored setup
//   wizard.siteToSite.preview/finish -> the same shapes for a site-to-site tunnel
// Input errors are BAD_REQUEST with data.issues [{menu: "wizard", field: "pool.1", message}].
import type { RoadWarriorInput, SiteToSiteInput, WizardClient } from '@ipsec/schema';
import { WIZARD_CLIENTS } from '@ipsec/schema';
import { z } from 'zod';
import type { Services } from '../api/router.ts';
import { authed, router, writer } from '../api/trpc.ts';
import { wizardService } from './service.ts';

// The inputs are parsed by the wizard service (errors naming the wizard field); these only type them.
const roadWarrior = z.custom<RoadWarriorInput>(
  (v) => typeof v === 'object' && v !== null,
  'the wizard input must be an object',
);
const siteToSite = z.custom<SiteToSiteInput>(
  (v) => typeof v === 'object' && v !== null,
  'the wizard input must be an object',
);
const profilesInput = z.union([
  z.string().min(1).max(64),
  z.object({
    name: z.string().min(1).max(64),
    clients: z.array(z.enum(WIZARD_CLIENTS)).optional(),
    exportPassphrase: z.string().max(1024).optional(),
  }),
]);

export function wizardRouter(s: Services) {
  const w = wizardService(s);
  return router({
    preview: authed.input(roadWarrior).query(({ input }) => w.previewRoadWarrior(input)),
    finish: writer.input(roadWarrior).mutation(({ ctx, input }) => w.finishRoadWarrior(ctx.user, input)),
    profiles: authed.input(profilesInput).query(({ ctx, input }) => {
      const o = typeof input === 'string' ? { name: input } : input;
      return w.profiles(ctx.user, o.name, o.clients as WizardClient[] | undefined, o.exportPassphrase);
    }),
    siteToSite: router({
      preview: authed.input(siteToSite).query(({ input }) => w.previewSiteToSite(input)),
      finish: writer.input(siteToSite).mutation(({ ctx, input }) => w.finishSiteToSite(ctx.user, input)),
    }),
  });
}
