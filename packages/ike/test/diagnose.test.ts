// The manual's FAQ diagnosis: which transform type had nothing in common, ours before the colon.
import { defaults, profile } from '@ipsec/schema';
import { describe, expect, it } from 'vitest';
import { explainMismatch } from '../src/diagnose.ts';
import { ikeProposals } from '../src/proposals.ts';

const prof = (over: Record<string, unknown>) => ({ ...defaults(profile), name: 'p', ...over }) as never;

describe('proposal mismatch diagnosis', () => {
  it('names the transform type that does not match, with both sides', () => {
    const ours = ikeProposals(
      prof({ 'enc-algorithm': ['aes-256'], 'hash-algorithm': 'sha256', 'dh-group': ['ecp256'] }),
    );
    const peer = ikeProposals(
      prof({ 'enc-algorithm': ['aes-256'], 'hash-algorithm': 'sha256', 'dh-group': ['modp2048', 'modp1024'] }),
    );
    const lines = explainMismatch(peer, ours);
    expect(lines[0]).toBe('rejected dh-group: ours = ecp256 : peer = modp2048,modp1024');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^we accept: encryption=aes-256 .*dh-group=ecp256/);
    expect(lines[2]).toMatch(/^peer offered: .*dh-group=modp2048,modp1024/);
  });
  it('reports every mismatching type (hash and cipher, as in the FAQ example)', () => {
    const ours = ikeProposals(prof({ 'enc-algorithm': ['3des'], 'hash-algorithm': 'md5', 'dh-group': ['modp2048'] }));
    const peer = ikeProposals(
      prof({ 'enc-algorithm': ['aes-128'], 'hash-algorithm': 'sha1', 'dh-group': ['modp2048'] }),
    );
    const lines = explainMismatch(peer, ours);
    expect(lines).toContain('rejected encryption: ours = 3des : peer = aes-128');
    expect(lines).toContain('rejected prf: ours = md5 : peer = sha1');
    expect(lines).toContain('rejected integrity: ours = md5 : peer = sha1');
    expect(lines.some((l) => l.startsWith('rejected dh-group'))).toBe(false);
  });
});
