import { afterAll } from 'vitest';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { testStore } from './support/store-conformance.js';

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

testStore({
  name: 'PostgreSQL',
  create: () => {
    const schema = schemaName('conformance');
    schemas.push(schema);
    return PostgresStore.open(pgUrl(schema));
  },
});
