// Kysely's `log` option hands over every statement with its duration (and the error of a failed one);
// turned here into DbMetrics observations, labelled by statement kind only (never the SQL or its values).
import type { LogEvent } from 'kysely';
import type { DbMetrics } from './metrics.js';

const OPS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

export function kyselyQueryLogger(metrics: DbMetrics): (event: LogEvent) => void {
  return (event) => {
    const op = OPS[event.query.query.kind] ?? 'other';
    metrics.query(op, event.queryDurationMillis / 1000, event.level === 'error');
  };
}
