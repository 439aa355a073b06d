// The config folder's public face: the schemas' derived types, the loader and the vocabularies.
export * from './domain.ts';
export * from './schema.ts';
export * from './load.ts';
export * from './units.ts';
export * from './text.ts';
