// Row types of the tables for files and photos (see infra/db/schema.ts).
export interface MediaTables {}
