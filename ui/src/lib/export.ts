// Where the CSV export proposes to save: a file named after the counter and the days, in the
// folder the shell says (Documents, else home). The dialog then lets the person choose.

/** `kasse-COUNTER-FROM[_TO].csv`, the counter's name made safe for any file system. */
export function csvFileName(counter: string, from: string, to: string): string {
  const safe = counter.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'kasse';
  return `kasse-${safe}-${from}${to !== from ? `_${to}` : ''}.csv`;
}

/** `name` in `folder`, with the folder's own separator; just `name` without a folder. */
export function inFolder(folder: string | null, name: string): string {
  if (!folder) return name;
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? folder + name : folder + sep + name;
}
