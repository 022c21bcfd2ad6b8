// Row types of the tables for contacts, imported phone books and blocks (see infra/db/schema.ts).
export interface ContactTables {}
