// RPC errors as either client reports them.
import assert from 'node:assert/strict';

/** GramJS throws RPCError {errorMessage}; mtcute throws RpcError {text}. */
export function rpcMessage(err: unknown): string {
  const e = err as { errorMessage?: unknown; text?: unknown };
  const message = typeof e?.errorMessage === 'string' ? e.errorMessage : typeof e?.text === 'string' ? e.text : undefined;
  assert.ok(message, `expected an RPC error, got: ${String((err as Error)?.stack ?? err)}`);
  return message;
}

/** The call fails with this RPC error message, from either client. */
export async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.equal(rpcMessage(err), message);
    return true;
  });
}
