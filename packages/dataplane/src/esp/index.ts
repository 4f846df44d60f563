export * from './replay.ts';
export * from './sa.ts';
export * from './mode.ts';
export * from './udp.ts';
