// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import type { Errors } from '../src/wizard/draft.ts';
import { stepOfField, stepOfRoute, useWizardSteps, type WizardStep } from '../src/wizard/useWizardSteps.ts';

const STEPS: WizardStep[] = [
  { slug: 'tunnel', label: 'Tunnel', fields: ['name', 'localAddress'] },
  { slug: 'networks', label: 'Networks', fields: ['localNetworks'] },
  { slug: 'key', label: 'Key', fields: ['psk'] },
  { slug: 'review', label: 'Review', fields: [] },
];

/** Steps before `firstFailing` pass their check; that one and later ones fail. */
const failingFrom =
  (firstFailing: number) =>
  (i: number): Errors =>
    i >= firstFailing ? { [STEPS[i]!.fields[0]!]: 'wrong' } : {};

describe('stepOfField', () => {
  it('finds the step by the head of the issue path', () => {
    expect(stepOfField(STEPS, 'localNetworks.2')).toBe(1);
    expect(stepOfField(STEPS, 'psk')).toBe(2);
    expect(stepOfField(STEPS, 'nowhere')).toBe(-1);
    expect(stepOfField(STEPS, '')).toBe(-1);
  });
});

describe('stepOfRoute', () => {
  it('shows the asked step when every step before it passes', () => {
    expect(stepOfRoute(STEPS, 'key', failingFrom(3))).toEqual({ index: 2, reachable: 3, wrongUrl: false });
    expect(stepOfRoute(STEPS, 'review', failingFrom(99))).toEqual({ index: 3, reachable: 3, wrongUrl: false });
  });

  it('sends a step the draft cannot be at yet to the first unfinished one', () => {
    expect(stepOfRoute(STEPS, 'review', failingFrom(1))).toEqual({ index: 1, reachable: 1, wrongUrl: true });
    expect(stepOfRoute(STEPS, 'key', failingFrom(0))).toEqual({ index: 0, reachable: 0, wrongUrl: true });
  });

  it('sends an unknown or missing slug to the first step', () => {
    expect(stepOfRoute(STEPS, 'nonsense', failingFrom(99))).toEqual({ index: 0, reachable: 3, wrongUrl: true });
    expect(stepOfRoute(STEPS, undefined, failingFrom(99))).toMatchObject({ index: 0, wrongUrl: true });
  });

  it('lets an earlier step be shown again even when it now fails', () => {
    expect(stepOfRoute(STEPS, 'tunnel', failingFrom(0))).toEqual({ index: 0, reachable: 0, wrongUrl: false });
  });
});

describe('useWizardSteps', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    history.replaceState(null, '', '#/wizard/s2s/tunnel');
  });
  afterEach(() => vi.useRealTimers());

  const render = (slug: string | undefined, check: (i: number) => Errors) =>
    renderHook(
      (p: { slug: string | undefined; check: (i: number) => Errors }) =>
        useWizardSteps({ base: '/wizard/s2s', steps: STEPS, slug: p.slug, check: p.check }),
      { initialProps: { slug, check } },
    );

  it('corrects a URL the draft cannot be at, replacing the history entry', () => {
    const before = history.length;
    const { result } = render('review', failingFrom(1));
    expect(result.current.index).toBe(1);
    expect(location.hash).toBe('#/wizard/s2s/networks');
    expect(history.length).toBe(before);
  });

  it('Next on a failing step shows its errors instead of moving on', () => {
    const { result } = render('tunnel', failingFrom(0));
    expect(result.current.errors).toEqual({}); // not before Next was tried
    act(() => result.current.frame.onSubmit!());
    expect(result.current.errors).toEqual({ name: 'wrong' });
    expect(location.hash).toBe('#/wizard/s2s/tunnel');
  });

  it('Next on a passing step goes to the next one', () => {
    const { result } = render('tunnel', failingFrom(2));
    act(() => result.current.frame.onSubmit!());
    expect(location.hash).toBe('#/wizard/s2s/networks');
  });

  it("shows the agent's issues on the step that holds their field", () => {
    const { result, rerender } = render('networks', failingFrom(99));
    act(() => result.current.setAgentErrors({ 'localNetworks.0': 'overlaps', psk: 'too short' }));
    expect(result.current.errors).toEqual({ 'localNetworks.0': 'overlaps' });
    rerender({ slug: 'key', check: failingFrom(99) });
    expect(result.current.errors).toEqual({ psk: 'too short' });
  });

  it('the review has no Next, and its links name and open the step of a field', () => {
    const { result } = render('review', failingFrom(99));
    expect(result.current.isReview).toBe(true);
    expect(result.current.frame.onSubmit).toBeUndefined();
    expect(result.current.frame.labels).toEqual(['Tunnel', 'Networks', 'Key', 'Review']);
    expect(result.current.links.stepLabel('psk')).toBe('3. Key');
    expect(result.current.links.stepLabel('unknown')).toBeUndefined();
    act(() => result.current.links.goTo('localNetworks.1'));
    expect(location.hash).toBe('#/wizard/s2s/networks');
  });
});
