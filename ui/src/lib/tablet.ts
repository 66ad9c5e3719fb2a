// The customer display on a tablet on the shop's network: the counter serves the display screen
// (tablet.html) with the view over plain HTTP instead of Tauri's IPC (kasse_core::display::lan):
// `POST /pair` with the code Settings shows, then `GET /view` and the `/events` stream.
import type { Transport, Unlisten } from './api';

/** How a pairing attempt ended. */
export type PairOutcome = 'paired' | 'wrong' | 'locked' | 'unreachable';

/** Whether this tablet may read the view: `true` paired, `false` not (or no longer) paired,
 *  `null` the counter did not answer. */
export async function paired(fetcher: typeof fetch = fetch): Promise<boolean | null> {
  const r = await fetcher('/view', { credentials: 'same-origin' }).catch(() => null);
  if (!r) return null;
  if (r.status === 401) return false;
  return r.ok ? true : null;
}

/** Sends the pairing code typed on the tablet. */
export async function pair(code: string, fetcher: typeof fetch = fetch): Promise<PairOutcome> {
  const r = await fetcher('/pair', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: code.trim() }),
  }).catch(() => null);
  if (!r) return 'unreachable';
  if (r.ok) return 'paired';
  return r.status === 429 ? 'locked' : 'wrong';
}

/** The transport of the display screen on a tablet: its one command and its one event.
 *  `unpaired` runs when the counter stops accepting this tablet (a new pairing code). */
export function tabletTransport(unpaired: () => void, fetcher: typeof fetch = fetch): Transport {
  return {
    async invoke(cmd) {
      if (cmd !== 'display_view') throw { code: 'internal', message: `${cmd} is not served to a tablet` };
      const r = await fetcher('/view', { credentials: 'same-origin' });
      if (r.status === 401) {
        unpaired();
        throw { code: 'not_paired', message: 'this tablet is not paired' };
      }
      if (!r.ok) throw { code: 'internal', message: `the counter answered ${r.status}` };
      return r.json();
    },
    async listen(event, handler): Promise<Unlisten> {
      if (event !== 'display-changed') return () => {};
      const events = new EventSource('/events');
      events.onmessage = (e) => handler(JSON.parse(e.data));
      // The stream ended: the browser reconnects by itself, unless this tablet is unpaired.
      events.onerror = () => {
        void paired(fetcher).then((p) => {
          if (p === false) unpaired();
        });
      };
      return () => events.close();
    },
  };
}
