// Row types of the privacy tables (see infra/db/migrations/0005_privacy.ts).
import type { Int64 } from '../schema.js';

export interface PrivacyRulesTable {
  user_id: Int64;
  privacy_key: string;
  rules: string;
  updated_at: Int64;
}
