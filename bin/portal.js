#!/usr/bin/env node
// The `portal` command. TypeScript runs through tsx's loader, registered here so
// `npx portal <command>` works right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
