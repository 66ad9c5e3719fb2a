import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/lib/bindings/Settings';
import type { Fixture } from '../src/lib/replay';
import { fromForm, msToSeconds, secondsToMs, toForm } from '../src/lib/settings-form';

const fixtures = Object.values(import.meta.glob('../src/lib/fixtures/*.json', { eager: true, import: 'default' })) as Fixture[];
const settings = fixtures.flatMap((f) => f.steps).find((s) => s.call === 'settings_get')!.answer as Settings;

describe('poll intervals in Settings', () => {
  it('are shown in seconds as the language writes them', () => {
    expect(msToSeconds(1500, 'nb')).toBe('1,5');
    expect(msToSeconds(1500, 'en')).toBe('1.5');
    expect(msToSeconds(200, 'en')).toBe('0.2');
    expect(msToSeconds(60000, 'nb')).toBe('60');
    const form = toForm({ ...settings, poll_waiting_ms: 2000, poll_paying_ms: 750 }, 'nb');
    expect(form.poll_waiting_s).toBe('2');
    expect(form.poll_paying_s).toBe('0,75');
  });

  it('are typed in seconds, with a comma or a point, and saved in milliseconds', () => {
    expect(secondsToMs('1,5')).toBe(1500);
    expect(secondsToMs(' 2 ')).toBe(2000);
    expect(secondsToMs('0.2')).toBe(200);
    expect(secondsToMs('0,0005')).toBeNull();
    expect(secondsToMs('soon')).toBeNull();
    const form = { ...toForm(settings, 'nb'), poll_waiting_s: '3', poll_paying_s: '0,5' };
    const { input, errors } = fromForm(form, { has_secret: true });
    expect(errors.poll_waiting_ms).toBeUndefined();
    expect(input.poll_waiting_ms).toBe(3000);
    expect(input.poll_paying_ms).toBe(500);
  });

  it('outside 0.2–60 seconds are refused with the bounds in seconds', () => {
    const form = { ...toForm(settings, 'nb'), poll_waiting_s: '0,1', poll_paying_s: '61' };
    const { errors } = fromForm(form, { has_secret: true }, 'nb');
    expect(errors.poll_waiting_ms).toEqual({ key: 'settings.poll_invalid', params: { min: '0,2', max: '60' } });
    expect(errors.poll_paying_ms).toBeDefined();
  });
});
