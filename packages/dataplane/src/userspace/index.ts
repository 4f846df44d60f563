export * from './spd.ts';
export * from './tun.ts';
export * from './backend.ts';
