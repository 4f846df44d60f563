// @vitest-environment jsdom
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getMenu } from '@ipsec/schema';
import { fieldColumn, minWidthOf, sizeColumns, type SizedColumn } from '../src/ipsec/columns.ts';

type Row = { id: number; [prop: string]: unknown };

// jsdom draws nothing: measure every character as 7 px.
beforeAll(() => {
  const ctx = { font: '', measureText: (t: string) => ({ width: t.length * 7 }) };
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx as unknown as CanvasRenderingContext2D);
});

const peer = getMenu('peer')!.fields;
const profile = getMenu('profile')!.fields;
const cols = (): SizedColumn<Row>[] => [
  fieldColumn<Row>('name', peer.name!),
  fieldColumn<Row>('address', peer.address!, 'address'),
  fieldColumn<Row>('lifebytes', profile.lifebytes!),
  fieldColumn<Row>('comment', peer.comment!),
];

describe('fieldColumn', () => {
  it('right-aligns numbers with separators and prints the rest RouterOS-style', () => {
    const [, , bytes] = cols();
    expect(bytes!.col).toMatchObject({ type: 'number', align: 'right' });
    expect(bytes!.text({ id: 1, lifebytes: 1234567 })).toBe((1234567).toLocaleString());
    const [name] = cols();
    expect(name!.col).toMatchObject({ type: 'string', align: 'left', headerName: peer.name!.meta.label });
    expect(name!.text({ id: 1 })).toBe('');
  });
});

describe('sizeColumns', () => {
  const rows: Row[] = [
    { id: 1, name: 'a', address: '2001:db8:ffff:ffff:ffff:ffff:ffff:1/128', lifebytes: 1, comment: 'x'.repeat(200) },
  ];

  it('the last visible column flexes; the others are as wide as their widest text', () => {
    const sized = sizeColumns(cols(), rows, { comment: false });
    const by = Object.fromEntries(sized.map((c) => [c.field, c]));
    expect(by.lifebytes).toMatchObject({ flex: 1 });
    expect(by.name!.flex).toBeUndefined();
    expect(by.address!.width).toBe(Math.ceil(rows[0]!.address!.toString().length * 7 + 23));
  });

  it('caps long texts but never an address; never narrower than the kind needs', () => {
    const sized = sizeColumns(cols(), rows, { lifebytes: false });
    const by = Object.fromEntries(sized.map((c) => [c.field, c]));
    expect(by.name!.width).toBeGreaterThanOrEqual(minWidthOf('string'));
    expect(by.comment).toMatchObject({ flex: 1, minWidth: 360 });
    const wide = [{ ...rows[0]!, address: `${'1'.repeat(80)}/128` }];
    const address = sizeColumns(cols(), wide, {}).find((c) => c.field === 'address')!;
    expect(address.width).toBeGreaterThan(360);
  });

  it('a width the user dragged wins', () => {
    const sized = sizeColumns(cols(), rows, {}, { name: 123 });
    expect(sized.find((c) => c.field === 'name')).toMatchObject({ width: 123, minWidth: 30 });
  });
});
