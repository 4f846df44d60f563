// The step logic both wizards share: which step the URL may show (#<base>/<slug>; a step the
// draft cannot be at yet, after a reload or a typed URL, sends it to the first unfinished one),
// Next checks the current step (the schema's step check), and when it fails shows the errors and
// focuses the first field in error instead of moving on; the errors shown on a step are the
// agent's issues for its fields (from the last preview/finish) with the step's own check on top
// once Next was tried there. The last step is the review.
import { useEffect, useRef, useState } from 'react';
import { navigate } from '../shell/route.ts';
import type { Errors } from './draft.ts';
import type { FieldLink } from './Review.tsx';

export interface WizardStep {
  slug: string;
  label: string;
  /** Wizard fields (issue path heads) shown on this step: a warning or agent issue on one leads here. */
  fields: string[];
}

/** The step showing a wizard field ("pool.1", "proposals.ike.dh"), -1 for none. */
export function stepOfField(steps: readonly WizardStep[], field: string): number {
  const head = field.split('.')[0] ?? '';
  return steps.findIndex((s) => s.fields.includes(head));
}

/**
 * The step the URL's `slug` may show: the asked one if every step before it passes its check,
 * else the first one that does not (an unknown slug: the first step). `reachable` is the furthest
 * step the draft may be at; `wrongUrl` says the URL must be corrected.
 */
export function stepOfRoute(
  steps: readonly WizardStep[],
  slug: string | undefined,
  check: (i: number) => Errors,
): { index: number; reachable: number; wrongUrl: boolean } {
  const review = steps.length - 1;
  const asked = steps.findIndex((s) => s.slug === slug);
  let reachable = 0;
  while (reachable < review && Object.keys(check(reachable)).length === 0) reachable++;
  const index = asked < 0 ? 0 : Math.min(asked, reachable);
  return { index, reachable, wrongUrl: asked !== index };
}

export function useWizardSteps({
  base,
  steps,
  slug,
  check,
}: {
  /** Route of the wizard ("/wizard/road-warrior"); the steps are base/<slug>. */
  base: string;
  steps: readonly WizardStep[];
  /** The route's step segment. */
  slug: string | undefined;
  /** Issues of step `i`'s fields in the current draft ({} = it may be left). */
  check: (i: number) => Errors;
}) {
  const review = steps.length - 1;
  const { index, reachable, wrongUrl } = stepOfRoute(steps, slug, check);
  useEffect(() => {
    if (wrongUrl) navigate(`${base}/${steps[index]!.slug}`, true);
  }, [wrongUrl, index, base, steps]);
  const go = (i: number) => navigate(`${base}/${steps[i]!.slug}`);
  const fieldStep = (field: string) => stepOfField(steps, field);

  const [attempted, setAttempted] = useState<Set<number>>(() => new Set());
  /** The agent's issues from the last preview/finish, by wizard field; the wizard drops them when the draft changes. */
  const [agentErrors, setAgentErrors] = useState<Errors>({});
  /** The frame's body: where the first field in error is looked for. */
  const body = useRef<HTMLDivElement>(null);

  const errors: Errors = {
    ...Object.fromEntries(Object.entries(agentErrors).filter(([f]) => fieldStep(f) === index)),
    ...(attempted.has(index) ? check(index) : {}),
  };

  const next = () => {
    if (Object.keys(check(index)).length > 0) {
      setAttempted((a) => new Set(a).add(index));
      // after React shows them: focus the first input in error
      setTimeout(() => body.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    go(index + 1);
  };

  /** The review's "Change in 2. Networks" links. */
  const links: FieldLink = {
    stepLabel: (field) => {
      const i = fieldStep(field);
      return i >= 0 ? `${i + 1}. ${steps[i]!.label}` : undefined;
    },
    goTo: (field) => {
      const i = fieldStep(field);
      if (i >= 0) go(i);
    },
  };

  /** WizardFrame's stepper and form props. */
  const frame = {
    labels: steps.map((s) => s.label),
    index,
    reachable,
    onStep: go,
    bodyRef: body,
    onSubmit: index < review ? next : undefined,
  };

  return { index, isReview: index === review, errors, setAgentErrors, links, frame };
}
