export * from './result.ts';
export * from './algorithms.ts';
export * from './units.ts';
export * from './fields.ts';
export * from './menus.ts';
export * from './views.ts';
export * from './validate.ts';
export * from './wizard.ts';
