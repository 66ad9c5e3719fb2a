// A press that asks the shell something: `busy` while it runs (its button disabled), `error`
// what it was refused with, cleared when it runs again. The Settings cards and dialogs share it.
import { toApiError, type ApiError } from './errors';

export class Task {
  busy = $state(false);
  error = $state<ApiError | null>(null);

  /** Runs `work`: its answer, or `undefined` when it was refused (`error` then says why). */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    try {
      return await work();
    } catch (e) {
      this.error = toApiError(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}
