import { InvalidArgumentError } from 'commander';
import type { OperationName, OperationResult, OperationTarget } from '../core/operations/storeOperations';
import { ValidationError } from '../core/validation';
import type { CliContext } from './context';

export interface OperationOptions {
  /** Heard where the operation runs here or in the host's own thread (not from the host's job process: training). */
  onProgress?: OperationTarget['onProgress'];
  /** Done twice if asked twice (storeHostRoute.ts): not asked again of a host that went away under it. */
  once?: boolean;
}

/**
 * One of the CLI's operations on the store (src/core/operations/storeOperations.ts): run by the
 * store host when one serves, so that the command does not load the store, else here on the store
 * opened as the operation needs. Arguments the operation refuses are a usage error either way.
 */
export async function onStore<N extends OperationName>(ctx: CliContext, name: N, args: Record<string, unknown>, options: OperationOptions = {}): Promise<OperationResult<N>> {
  const hosted = await ctx.viaHost('operation', { name, args }, undefined, options);
  if (hosted !== undefined) return hosted as OperationResult<N>;
  const { STORE_OPERATIONS, performOperation } = await import('../core/operations/storeOperations');
  try {
    return await ctx.withStore(STORE_OPERATIONS[name].mode, (store) => performOperation({ store, onProgress: options.onProgress }, name, args));
  } catch (err) {
    throw err instanceof ValidationError ? new InvalidArgumentError(err.message) : err;
  }
}
