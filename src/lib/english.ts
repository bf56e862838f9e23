/** Small English helpers for human output: "1 group", "2 groups", "an Auth0 export". */

/** `n word` with the plural `word + s` (or `pluralWord`) unless n is 1. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : pluralWord}`;
}

/**
 * The word with its indefinite article, by sound for the names flagless prints: "an Auth0", "an
 * HTML", "a Clerk", "a Firebase", "a user". Initial vowels take "an", except a "u"/"eu" sounded
 * "you" (user, unique, Europe); initialisms spelled letter by letter take "an" when the letter's
 * name starts with a vowel sound (F, H, L, M, N, R, S, X: "an SQL", "an HTTP").
 */
export function withArticle(word: string): string {
  return `${startsWithVowelSound(word) ? 'an' : 'a'} ${word}`;
}

function startsWithVowelSound(word: string): boolean {
  const w = word.trim();
  if (/^(u[nrs]?[aeiou]|eu|one\b|uni)/i.test(w) && !/^un[^i]/i.test(w)) return false;
  if (/^[A-Z]{2,}/.test(w)) return /^[AEFHILMNORSX]/.test(w);
  return /^[aeiou]/i.test(w);
}
