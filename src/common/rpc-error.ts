// An RPC failure as the client sees it: rpc_error{error_code, error_message} with Telegram's
// error names (core.telegram.org/api/errors). Throw it from any handler or service.
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    readonly errorMessage: string,
  ) {
    super(`${code} ${errorMessage}`);
  }

  static badRequest(message: string): RpcError {
    return new RpcError(400, message);
  }

  static unauthorized(message = 'AUTH_KEY_UNREGISTERED'): RpcError {
    return new RpcError(401, message);
  }

  static floodWait(seconds: number): RpcError {
    return new RpcError(420, `FLOOD_WAIT_${Math.max(1, Math.ceil(seconds))}`);
  }

  static internal(message = 'INTERNAL'): RpcError {
    return new RpcError(500, message);
  }
}
