/** A wrong setting. The message is one line naming the key and where the value came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The YAML path (`db.host`) or environment variable (`DB_HOST`) at fault, if any. */
    readonly key?: string,
  ) {
    super(message);
  }
}
