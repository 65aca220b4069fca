/** The form names are sorted and searched by: compatibility-decomposed, without accents, lower case. */
export function sortName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}
