import { describe, expect, it } from 'vitest';
import { defaultSiteToSiteProposals } from '@ipsec/schema';
import {
  checkS2sStep,
  dropS2sDraft,
  loadS2sDraft,
  newS2sDraft,
  saveS2sDraft,
  toS2sInput,
  type S2sDraft,
} from '../src/wizard/site-to-site-draft.ts';

const draft = (patch: Partial<S2sDraft> = {}): S2sDraft => ({
  ...newS2sDraft(),
  localAddress: '192.0.2.1',
  remoteAddress: '198.51.100.1',
  localNetworks: ['10.1.0.0/24'],
  remoteNetworks: ['10.2.0.0/24'],
  psk: 'a pre-shared key long enough',
  ...patch,
});

describe('toS2sInput', () => {
  it('trims addresses, drops blank network rows, sends proposals only when chosen', () => {
    const input = toS2sInput(draft({ localAddress: ' 192.0.2.1 ', localNetworks: ['', '10.1.0.0/24 '] }));
    expect(input).toEqual({
      name: 's2s',
      exchangeMode: 'ike2',
      localAddress: '192.0.2.1',
      remoteAddress: '198.51.100.1',
      localNetworks: ['10.1.0.0/24'],
      remoteNetworks: ['10.2.0.0/24'],
      psk: 'a pre-shared key long enough',
    });
    const proposals = defaultSiteToSiteProposals();
    expect(toS2sInput(draft({ customProposals: true, proposals })).proposals).toEqual(proposals);
  });
});

describe('checkS2sStep', () => {
  it('a complete draft passes every step', () => {
    for (let i = 0; i < 5; i++) expect(checkS2sStep(draft(), i)).toEqual({});
  });

  it('checks only its own fields: later steps not filled in yet do not count', () => {
    const early = draft({ localNetworks: [''], remoteNetworks: [''], psk: '' });
    expect(checkS2sStep(early, 0)).toEqual({});
    expect(Object.keys(checkS2sStep(early, 1)).sort()).toEqual(['localNetworks', 'remoteNetworks']);
    expect(Object.keys(checkS2sStep(draft({ psk: 'short' }), 2))).toEqual(['psk']);
  });

  it("applies the schema's cross-field rules on the step that holds the field", () => {
    const sameEnds = checkS2sStep(draft({ remoteAddress: '192.0.2.1' }), 0);
    expect(sameEnds).toEqual({ remoteAddress: "is this router's own address" });
    const families = checkS2sStep(draft({ remoteAddress: '2001:db8::1' }), 0);
    expect(Object.keys(families)).toEqual(['remoteAddress']);
  });

  it('reports a network at the row the user typed it in', () => {
    const overlap = draft({ localNetworks: ['10.1.0.0/24'], remoteNetworks: ['', '', '10.1.0.0/24'] });
    expect(checkS2sStep(overlap, 1)).toEqual({ 'remoteNetworks.2': '10.1.0.0/24 is also a local network' });
  });

  it('the review has no check of its own', () => {
    expect(checkS2sStep(draft({ psk: '' }), 4)).toEqual({});
  });
});

describe('site-to-site draft memory', () => {
  it('outlives a window until dropped', () => {
    dropS2sDraft();
    expect(loadS2sDraft()).toEqual(newS2sDraft());
    const d = draft({ name: 'kept' });
    saveS2sDraft(d);
    expect(loadS2sDraft()).toBe(d);
    dropS2sDraft();
    expect(loadS2sDraft().name).toBe('s2s');
  });
});
