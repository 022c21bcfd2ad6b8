// Row types of the tables for messages, dialogs and the update log (see infra/db/schema.ts).
export interface MessagingTables {}
