// The repository's root, for tests that run its commands or read its files.
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
