// Answers recorded from the real engine, replayed where there is no Tauri shell (Vitest and the
// browser dev mode). The fixtures in ./fixtures/ are written by a Rust test that drives the
// app's own commands against the demo simulator (src-tauri/tests/it/fixtures.rs) and fails
// when the engine's answers change, so the UI never runs on answers the engine would not give.
// This file holds no rule of its own: it looks answers up by command and arguments.
//
// A fixture is a list of steps: calls (command, arguments, answer or error) and acts of the
// customer or of Dintero ("pay", "dintero-completes"). Writes and acts are barriers: they are
// answered once, in their turn, and send the `sale-changed` events they caused. A read is
// answered by its recorded step before the next barrier, as often as it is asked.
import type { Transport, Unlisten } from './api';

export type RecordedError = { code: string; message: string };

export type Step = {
  call?: string;
  act?: string;
  args?: Record<string, unknown>;
  answer?: unknown;
  error?: RecordedError;
  barrier?: boolean;
  events?: unknown[];
};

export type Fixture = {
  scenario: string;
  about: string;
  vars: Record<string, string>;
  steps: Step[];
};

/** The arguments as compared: keys sorted, idempotency keys left out (the UI makes them). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => k !== 'key' && o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const copy = <T>(v: T): T => (v === undefined ? (null as T) : JSON.parse(JSON.stringify(v)));

export class Replay implements Transport {
  /** Steps before this one have been passed. */
  private pos = 0;
  private handlers = new Map<string, Set<(payload: unknown) => void>>();
  /** Commands received, for tests: [cmd, args]. */
  readonly calls: [string, Record<string, unknown> | undefined][] = [];

  constructor(
    readonly fixture: Fixture,
    private latencyMs = 0,
  ) {}

  async invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    this.calls.push([cmd, args]);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const asked = canonical(args ?? {});
    const step = this.take((s) => s.call === cmd && canonical(s.args ?? {}) === asked);
    if (!step) {
      // Rejected like the shell rejects an unknown call: the UI shows it as an internal error.
      throw { code: 'internal', message: `${this.fixture.scenario}: no answer recorded for ${cmd} ${asked} here` };
    }
    if (step.error) throw copy(step.error);
    return copy(step.answer);
  }

  /** The customer or Dintero does `name` (as recorded): its events are sent now. */
  act(name: string): void {
    if (!this.take((s) => s.act === name)) throw new Error(`${this.fixture.scenario}: no act "${name}" is next`);
  }

  listen(event: string, handler: (payload: unknown) => void): Promise<Unlisten> {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return Promise.resolve(() => set!.delete(handler));
  }

  /** The step matching at this point: one before the next barrier, or that barrier, which is
   *  then passed (its events sent after its answer). */
  private take(match: (s: Step) => boolean): Step | null {
    const steps = this.fixture.steps;
    for (let i = this.pos; i < steps.length; i++) {
      const s = steps[i]!;
      if (match(s)) {
        if (s.barrier) {
          this.pos = i + 1;
          const send = () => (s.events ?? []).forEach((e) => this.handlers.get('sale-changed')?.forEach((h) => h(copy(e))));
          if (s.act) send();
          else setTimeout(send, 0);
        }
        return s;
      }
      if (s.barrier) return null;
    }
    return null;
  }
}

const FIXTURES = import.meta.glob<Fixture>('./fixtures/*.json', { import: 'default' });

/** The recorded fixture `name` (see ./fixtures/), `app` when there is none of that name. */
export async function loadFixture(name: string | null): Promise<Fixture> {
  const load = FIXTURES[`./fixtures/${name}.json`] ?? FIXTURES['./fixtures/app.json']!;
  return load();
}
