import { describe, expect, it } from 'vitest';
import { csvFileName, inFolder } from '../src/lib/export';

describe('CSV export proposal', () => {
  it('names the file after the counter and the days', () => {
    expect(csvFileName('Kasse 1', '2026-12-07', '2026-12-07')).toBe('kasse-Kasse-1-2026-12-07.csv');
    expect(csvFileName('Bod/Torget', '2026-12-01', '2026-12-07')).toBe('kasse-Bod-Torget-2026-12-01_2026-12-07.csv');
    expect(csvFileName('///', '2026-12-07', '2026-12-07')).toBe('kasse-kasse-2026-12-07.csv');
  });

  it('proposes the folder the shell gives, with its separator', () => {
    expect(inFolder('/home/kari/Documents', 'a.csv')).toBe('/home/kari/Documents/a.csv');
    expect(inFolder('/home/kari/', 'a.csv')).toBe('/home/kari/a.csv');
    expect(inFolder('C:\\Users\\kari\\Documents', 'a.csv')).toBe('C:\\Users\\kari\\Documents\\a.csv');
    expect(inFolder(null, 'a.csv')).toBe('a.csv');
  });
});
