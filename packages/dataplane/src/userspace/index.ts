export * from './spd.ts';
export * from './tun.ts';
export * from './backend.ts';
export * from './host.ts';
export * from './raw-esp.ts';
