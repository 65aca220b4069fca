import { defineStore } from 'pinia';
import { ref } from 'vue';
import { fetchMailbox, type MailMessage } from '../api/mailbox';
import { errorMessage } from '../api/errorMessages';

/**
 * The dev mailbox exists only while the gateway runs its embedded SMTP sink, so the nav link
 * and the "read your code" hints appear only after a first GET answered 200.
 */
export const useMailboxStore = defineStore('mailbox', () => {
  const available = ref<boolean | null>(null);
  const messages = ref<MailMessage[]>([]);
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      const answer = await fetchMailbox();
      // Newest first whatever order the sink keeps.
      messages.value = [...answer.messages].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id - a.id);
      available.value = true;
      error.value = null;
    } catch (caught) {
      if (available.value !== true) available.value = false;
      else error.value = errorMessage(caught);
    }
  }

  async function probe(): Promise<void> {
    if (available.value === null) await refresh();
  }

  return { available, messages, error, refresh, probe };
});
