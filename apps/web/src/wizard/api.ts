// The agent's wizard procedures (apps/agent/src/api/router.ts `wizard.*`): preview (nothing stored),
// finish (one transaction), profiles (the download links again, by wizard name).
import type { RoadWarriorInput, WizardFinishResult, WizardPreview } from '@ipsec/schema';
import { trpc } from '../api/trpc.ts';

// TODO: typed from AppRouter once apps/agent's router has `wizard`.
interface WizardApi {
  preview: { mutate(input: RoadWarriorInput): Promise<WizardPreview> };
  finish: { mutate(input: RoadWarriorInput): Promise<WizardFinishResult> };
  profiles: { query(input: { name: string }): Promise<WizardFinishResult> };
}
const wizard = () => (trpc() as unknown as { wizard: WizardApi }).wizard;

export const previewRoadWarrior = (input: RoadWarriorInput): Promise<WizardPreview> => wizard().preview.mutate(input);
export const finishRoadWarrior = (input: RoadWarriorInput): Promise<WizardFinishResult> => wizard().finish.mutate(input);
export const profilesOf = (name: string): Promise<WizardFinishResult> => wizard().profiles.query({ name });
