// drizzle-kit: `npx drizzle-kit generate --name <what_changed>` writes a named migration from
// store/schema.ts into store/migrations. Migrations are committed and never edited after landing.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './store/schema.ts',
  out: './store/migrations',
});
