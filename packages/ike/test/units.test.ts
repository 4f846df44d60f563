// The engine hands each request to the first unit that claims it: which unit takes which message.
import { describe, expect, it } from 'vitest';
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from '../src/index.ts';
import type { Payload } from '../src/codec/payload.ts';
import { notify } from '../src/codec/payloads/notify.ts';
import { IKEV2_UNITS } from '../src/exchanges/units.ts';

const deleteOf = (protocol: number, spis: Uint8Array[] = []): Payload => ({
  type: PayloadType.DELETE,
  protocol,
  spiSize: protocol === ProtocolId.IKE ? 0 : 4,
  spis,
});
const saOf = (protocol: number): Payload => ({
  type: PayloadType.SA,
  proposals: [{ num: 1, protocol, spi: new Uint8Array(protocol === ProtocolId.IKE ? 8 : 4), transforms: [] }],
});
const nonce: Payload = { type: PayloadType.NONCE, data: new Uint8Array(32) };

const unitFor = (exchange: number, payloads: Payload[]) => IKEV2_UNITS.forRequest(exchange, payloads)?.name;

describe('IKEv2 unit registry', () => {
  it('INFORMATIONAL: AUTHENTICATION_FAILED, IKE Delete, CHILD_SA Delete, else the liveness check', () => {
    const I = ExchangeType.INFORMATIONAL;
    expect(unitFor(I, [notify(NotifyType.AUTHENTICATION_FAILED)])).toBe('auth-failed');
    expect(unitFor(I, [deleteOf(ProtocolId.IKE)])).toBe('ike-delete');
    expect(unitFor(I, [deleteOf(ProtocolId.ESP, [new Uint8Array(4)]), deleteOf(ProtocolId.IKE)])).toBe('ike-delete');
    expect(unitFor(I, [deleteOf(ProtocolId.ESP, [new Uint8Array(4)])])).toBe('child-delete');
    expect(unitFor(I, [])).toBe('dpd');
    expect(unitFor(I, [notify(NotifyType.INITIAL_CONTACT)])).toBe('dpd');
  });

  it('CREATE_CHILD_SA: an IKE proposal rekeys the IKE SA, REKEY_SA a CHILD_SA, anything else creates one', () => {
    const C = ExchangeType.CREATE_CHILD_SA;
    expect(unitFor(C, [saOf(ProtocolId.IKE), nonce])).toBe('ike-rekey');
    const rekeySa = notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, new Uint8Array(4));
    expect(unitFor(C, [rekeySa, saOf(ProtocolId.ESP), nonce])).toBe('child-rekey');
    expect(unitFor(C, [saOf(ProtocolId.ESP), nonce])).toBe('child-create');
    expect(unitFor(C, [])).toBe('child-create'); // it answers INVALID_SYNTAX
  });

  it('IKE_AUTH goes to ike-auth, IKE_SA_INIT opens an SA through ike-init, unknown exchanges to no unit', () => {
    expect(unitFor(ExchangeType.IKE_AUTH, [])).toBe('ike-auth');
    expect(IKEV2_UNITS.opener(ExchangeType.IKE_SA_INIT)?.name).toBe('ike-init');
    expect(IKEV2_UNITS.opener(ExchangeType.IKE_AUTH)).toBeUndefined();
    expect(unitFor(99, [])).toBeUndefined();
    expect(unitFor(ExchangeType.IKE_SA_INIT, [])).toBeUndefined();
  });

  it('each unit names the SA states it runs in', () => {
    expect(IKEV2_UNITS.forRequest(ExchangeType.IKE_AUTH, [])?.states).toEqual(['init-done']);
    expect(IKEV2_UNITS.forRequest(ExchangeType.CREATE_CHILD_SA, [])?.states).toEqual(['established']);
    expect(IKEV2_UNITS.forRequest(ExchangeType.INFORMATIONAL, [])?.states).toEqual([
      'established',
      'deleting',
      'rekeyed',
    ]);
  });
});
