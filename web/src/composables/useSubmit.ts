import { ref } from 'vue';
import { errorMessage } from '../api/errorMessages';

/**
 * Busy flag and error text around one form action, so every form behaves the same way.
 * `describe` turns a failure into words; forms with their own wording for a domain's codes pass one.
 */
export function useSubmit(describe: (caught: unknown) => string = errorMessage) {
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined;
    busy.value = true;
    error.value = null;
    try {
      return await action();
    } catch (caught) {
      error.value = describe(caught);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}
