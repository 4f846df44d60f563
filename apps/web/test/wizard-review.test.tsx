// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { TRPCClientError } from '@trpc/client';
import type { WizardFinishResult, WizardPreview } from '@ipsec/schema';
import { DialogsProvider } from '../src/shell/dialogs.tsx';
import { useWizardReview } from '../src/wizard/Review.tsx';

const PREVIEW: WizardPreview = {
  objects: [{ menu: 'peer', values: { name: 's2s' } }],
  warnings: [{ client: 'all', field: 'psk', message: 'weak', fix: 'longer' }],
};
const FINISHED: WizardFinishResult = { name: 's2s', profiles: [] };

/** A refusal as the agent sends it: a tRPC error whose data carries config issues on wizard fields. */
const refusal = (issues: { field: string; message: string }[]) =>
  new TRPCClientError('refused', {
    result: { error: { message: 'refused', code: -32600, data: { issues: issues.map((i) => ({ menu: '', ...i })) } } },
  });

function setup(opts: { preview?: () => Promise<WizardPreview>; finish?: () => Promise<WizardFinishResult> } = {}) {
  const preview = vi.fn(opts.preview ?? (() => Promise.resolve(PREVIEW)));
  const finish = vi.fn(opts.finish ?? (() => Promise.resolve(FINISHED)));
  const onAgentErrors = vi.fn();
  const onFinished = vi.fn(() => 'done');
  const hook = renderHook(
    ({ input, active }: { input: { name: string }; active: boolean }) =>
      useWizardReview({ input, active, preview, finish, onAgentErrors, onFinished }),
    { initialProps: { input: { name: 's2s' }, active: false }, wrapper: DialogsProvider },
  );
  return { ...hook, preview, finish, onAgentErrors, onFinished };
}

describe('useWizardReview', () => {
  it('asks for a preview only while the review shows, and is ready when it came back clean', async () => {
    const { result, rerender, preview } = setup();
    expect(preview).not.toHaveBeenCalled();
    expect(result.current.ready).toBe(false);
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.ready).toBe(true));
    expect(preview).toHaveBeenCalledWith({ name: 's2s' });
    expect(result.current.state).toMatchObject({ objects: PREVIEW.objects, warnings: PREVIEW.warnings, error: null });
  });

  it('asks again when the input changed, and is not ready meanwhile', async () => {
    const { result, rerender, preview } = setup();
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.ready).toBe(true));
    rerender({ input: { name: 'other' }, active: true });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.ready).toBe(true));
    expect(preview).toHaveBeenLastCalledWith({ name: 'other' });
  });

  it("a refused preview lists the agent's issues and hands them to their steps by field", async () => {
    const { result, rerender, onAgentErrors } = setup({
      preview: () =>
        Promise.reject(
          refusal([
            { field: 'psk', message: 'too short' },
            { field: 'psk', message: 'second' },
          ]),
        ),
    });
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.state.problems).toEqual([
      { field: 'psk', message: 'too short' },
      { field: 'psk', message: 'second' },
    ]);
    expect(result.current.state.error).toBeNull();
    expect(result.current.ready).toBe(false);
    expect(onAgentErrors).toHaveBeenCalledWith({ psk: 'too short' });
  });

  it('any other failure is shown as its message', async () => {
    const { result, rerender } = setup({ preview: () => Promise.reject(new Error('not connected')) });
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.state.error).toBe('not connected'));
    expect(result.current.state.problems).toEqual([]);
  });

  it('Finish runs the batch once and reports the result', async () => {
    const { result, rerender, finish, onFinished } = setup();
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.ready).toBe(true));
    await act(() => result.current.finish());
    expect(finish).toHaveBeenCalledTimes(1);
    expect(onFinished).toHaveBeenCalledWith(FINISHED);
    expect(result.current.finishing).toBe(false);
  });

  it('a refused Finish shows the issues instead', async () => {
    const { result, rerender, onFinished } = setup({
      finish: () => Promise.reject(refusal([{ field: 'name', message: 'taken' }])),
    });
    rerender({ input: { name: 's2s' }, active: true });
    await waitFor(() => expect(result.current.ready).toBe(true));
    await act(() => result.current.finish());
    expect(onFinished).not.toHaveBeenCalled();
    expect(result.current.state.problems).toEqual([{ field: 'name', message: 'taken' }]);
    expect(result.current.ready).toBe(false);
  });
});
