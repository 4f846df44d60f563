// The step logic both wizards share: Next checks the current step (the schema's step check), and
// when it fails shows the errors and focuses the first field in error instead of moving on; the
// errors shown on a step are the agent's issues for its fields (from the last preview/finish) with
// the step's own check on top once Next was tried there.
import { useRef, useState } from 'react';
import type { Errors } from './draft.ts';

export function useWizardSteps({ index, check, stepOfField, go }: {
  /** The step shown. */
  index: number;
  /** Issues of the shown step's fields ({} = it may be left). */
  check: () => Errors;
  /** The step showing a wizard field ("pool.1"), -1 for none. */
  stepOfField: (field: string) => number;
  go: (step: number) => void;
}) {
  const [attempted, setAttempted] = useState<Set<number>>(() => new Set());
  /** The agent's issues from the last preview/finish, by wizard field; the wizard drops them when the draft changes. */
  const [agentErrors, setAgentErrors] = useState<Errors>({});
  /** The frame's body: where the first field in error is looked for. */
  const body = useRef<HTMLDivElement>(null);

  const errors: Errors = {
    ...Object.fromEntries(Object.entries(agentErrors).filter(([f]) => stepOfField(f) === index)),
    ...(attempted.has(index) ? check() : {}),
  };

  const next = () => {
    if (Object.keys(check()).length > 0) {
      setAttempted((a) => new Set(a).add(index));
      // after React shows them: focus the first input in error
      setTimeout(() => body.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    go(index + 1);
  };

  return { body, errors, next, setAgentErrors };
}
