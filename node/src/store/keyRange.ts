/** Above every key: keys are short ASCII paths. */
const KEY_CEILING = '\u{10ffff}';

/** The smallest string above every string that starts with `prefix`: a prefix scan is `key >= prefix AND key < prefixEnd(prefix)`. */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return KEY_CEILING;
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
