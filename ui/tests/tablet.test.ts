import { describe, expect, it } from 'vitest';
import { pair, paired, tabletTransport } from '../src/lib/tablet';

/** A counter answering each path with a status (and a body for /view). */
function counter(answers: Record<string, number>, calls: string[] = []): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${url} ${init?.body ?? ''}`.trim());
    const status = answers[url];
    if (status === undefined) throw new TypeError('network');
    return new Response(status === 200 ? JSON.stringify({ phase: 'idle' }) : null, { status });
  }) as unknown as typeof fetch;
}

describe('the tablet display', () => {
  it('sends the typed code and tells a wrong code from a lockout and no counter', async () => {
    const calls: string[] = [];
    expect(await pair(' 123456 ', counter({ '/pair': 204 }, calls))).toBe('paired');
    expect(calls).toEqual(['POST /pair {"code":"123456"}']);
    expect(await pair('000000', counter({ '/pair': 403 }))).toBe('wrong');
    expect(await pair('000000', counter({ '/pair': 429 }))).toBe('locked');
    expect(await pair('000000', counter({}))).toBe('unreachable');
  });

  it('knows whether it is paired', async () => {
    expect(await paired(counter({ '/view': 200 }))).toBe(true);
    expect(await paired(counter({ '/view': 401 }))).toBe(false);
    expect(await paired(counter({ '/view': 500 }))).toBeNull();
    expect(await paired(counter({}))).toBeNull();
  });

  it('reads the view over HTTP, and goes back to pairing once unpaired', async () => {
    let unpaired = 0;
    const ok = tabletTransport(() => unpaired++, counter({ '/view': 200 }));
    expect(await ok.invoke('display_view')).toEqual({ phase: 'idle' });
    await expect(ok.invoke('charge')).rejects.toMatchObject({ code: 'internal' });
    const gone = tabletTransport(() => unpaired++, counter({ '/view': 401 }));
    await expect(gone.invoke('display_view')).rejects.toMatchObject({ code: 'not_paired' });
    expect(unpaired).toBe(1);
  });
});
