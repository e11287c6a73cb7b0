/**
 * The size of text once encoded as UTF-8, counted without encoding it. Pure.
 *
 * @module
 */

/**
 * How many bytes `text` takes as UTF-8: 1 for U+0000–U+007F, 2 up to U+07FF, 3 for the rest of
 * the BMP, 4 for a surrogate pair; a lone surrogate counts 3 (its U+FFFD replacement).
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 2; // two UTF-16 units, four bytes
      index++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
