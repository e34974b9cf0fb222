/**
 * Hand-made worst cases for the XML plist reader, each as large as the 1 MiB device body limit
 * allows: every place the reader loops, scans for a delimiter, matches a pattern or recurses.
 */
export const BODY_LIMIT = 1024 * 1024;

export const XML_PROLOG =
  '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n';

export function xmlDoc(inner: string): Buffer {
  return Buffer.from(`${XML_PROLOG}${inner}\n</plist>\n`, 'utf8');
}

/** `before + unit × n + after` with n as large as fits a 1 MiB body once `wrap` has added its part. */
export function fill(before: string, unit: string, after: string, wrap: (inner: string) => Buffer = xmlDoc): Buffer {
  const fixed = wrap(before + after).length;
  const n = Math.floor((BODY_LIMIT - fixed) / Buffer.byteLength(unit));
  return wrap(before + unit.repeat(n) + after);
}

/** Nested `open … close` pairs, as many as fit. */
export function nested(open: string, close: string, core: string, wrap: (inner: string) => Buffer = xmlDoc): Buffer {
  const fixed = wrap(core).length;
  const n = Math.floor((BODY_LIMIT - fixed) / Buffer.byteLength(open + close));
  return wrap(open.repeat(n) + core + close.repeat(n));
}

export interface Hostile {
  label: string;
  input: Buffer;
}

/**
 * The worst cases for any XML value position; `wrap` puts the fragment where the target reads a
 * value (the document's top, or a key of a check-in or report), so each target reuses them.
 */
export function* hostileXmlValues(wrap: (inner: string) => Buffer = xmlDoc): Generator<Hostile> {
  const digits = '7';
  yield { label: 'one 1 MiB <string>', input: fill('<string>', 'A', '</string>', wrap) };
  yield { label: '<string> of &amp; entities', input: fill('<string>', '&amp;', '</string>', wrap) };
  yield { label: '<string> of character references', input: fill('<string>', '&#x1F600;', '</string>', wrap) };
  yield { label: '<string> of CDATA sections', input: fill('<string>', '<![CDATA[a]]>', '</string>', wrap) };
  yield { label: '<string> of empty comments', input: fill('<string>', 'a<!---->', '</string>', wrap) };
  yield { label: '<string> of bare & (12 chars each)', input: fill('<string>', '&abcdefghijkl', '</string>', wrap) };
  yield { label: '<string> of U+0000 (taken as it comes; the stores replace it)', input: fill('<string>', '\u0000', '</string>', wrap) };
  yield { label: '<string> unterminated', input: fill('<string>', 'A', '', wrap) };
  yield { label: '<string> of < without >', input: fill('<string>', '<', '', wrap) };
  yield { label: 'arrays nested as deep as fit', input: nested('<array>', '</array>', '', wrap) };
  yield { label: 'dicts nested as deep as fit', input: nested('<dict><key>k</key>', '</dict>', '<true/>', wrap) };
  yield { label: '<true/> × 150,000 in one array', input: fill('<array>', '<true/>', '</array>', wrap) };
  yield { label: '<string/> × 110,000 in one array', input: fill('<array>', '<string/>', '</array>', wrap) };
  yield { label: 'one dict with 4,097 keys', input: wrap(`<dict>${Array.from({ length: 4097 }, (_, i) => `<key>k${i}</key><true/>`).join('')}</dict>`) };
  yield { label: 'dicts of 4,000 keys filling 1 MiB', input: fill('<array>', `<dict>${Array.from({ length: 4000 }, (_, i) => `<key>${i}</key><true/>`).join('')}</dict>`, '</array>', wrap) };
  yield { label: 'duplicate key after 4,000 keys', input: wrap(`<dict>${Array.from({ length: 4000 }, (_, i) => `<key>k${i}</key><true/>`).join('')}<key>k0</key><true/></dict>`) };
  yield { label: '<real> of 1 MiB digits', input: fill('<real>', digits, '</real>', wrap) };
  yield { label: '<real> of digits then x (backtracking)', input: fill('<real>', digits, 'x</real>', wrap) };
  yield { label: '<real> of digits.digits then x', input: fill(`<real>${digits.repeat(1000)}.`, digits, 'x</real>', wrap) };
  yield { label: '<real> of digits then e', input: fill('<real>', digits, 'e</real>', wrap) };
  yield { label: '<real> of 512 digits (the longest accepted)', input: wrap(`<array>${`<real>${'9'.repeat(510)}.5</real>`.repeat(1000)}</array>`) };
  yield { label: '<real> of whitespace then 1', input: fill('<real>', ' ', '1</real>', wrap) };
  yield { label: '<integer> of 1 MiB digits', input: fill('<integer>', digits, '</integer>', wrap) };
  yield { label: '<integer> of digits then x', input: fill('<integer>', digits, 'x</integer>', wrap) };
  yield { label: '<date> of 1 MiB digits', input: fill('<date>', digits, '</date>', wrap) };
  yield { label: '<date> with 1 MiB of fraction digits', input: fill('<date>2024-01-01T00:00:00.', digits, 'Z</date>', wrap) };
  yield { label: '<data> of 1 MiB base64', input: fill('<data>', 'QUFB', '</data>', wrap) };
  yield { label: '<data> with whitespace between every character', input: fill('<data>', 'Q \n\t', '</data>', wrap) };
  yield { label: '<data> of base64 then !', input: fill('<data>', 'QUFB', '!</data>', wrap) };
  yield { label: '<data> of = padding', input: fill('<data>QQ', '=', '</data>', wrap) };
  yield { label: '1 MiB of whitespace before a value', input: fill('', ' \n\t\r', '<true/>', wrap) };
  yield { label: '1 MiB of whitespace inside a tag', input: fill('<array', ' ', '/>', wrap) };
  yield { label: '1 MiB of attributes inside a tag', input: fill('<array', ' a="b"', '/>', wrap) };
  yield { label: 'tag unterminated', input: fill('<array', 'a', '', wrap) };
  yield { label: 'comment unterminated', input: fill('<!--', '-', '', wrap) };
  yield { label: 'CDATA unterminated', input: fill('<string><![CDATA[', ']', '', wrap) };
  yield { label: '1 MiB of empty comments between values', input: fill('<array>', '<!---->', '</array>', wrap) };
  yield { label: '1 MiB of close tags', input: fill('<array>', '</array>', '', wrap) };
  yield { label: 'text where a value belongs', input: fill('<array>', 'x', '</array>', wrap) };
}

/** Worst cases in the prolog, before any value: declarations, DOCTYPE and what precedes <plist>. */
export function* hostileXmlProlog(): Generator<Hostile> {
  const whole = (prolog: string, unit: string, rest: string) => {
    const n = Math.floor((BODY_LIMIT - prolog.length - rest.length) / unit.length);
    return Buffer.from(prolog + unit.repeat(n) + rest);
  };
  yield { label: 'XML declaration of 1 MiB', input: whole('<?xml version="1.0" ', ' ', '?><plist><true/></plist>') };
  yield { label: 'XML declaration unterminated', input: whole('<?xml ', 'encoding=', '') };
  yield { label: 'encoding= repeated in the declaration', input: whole('<?xml ', 'encoding = "', '?><plist><true/></plist>') };
  yield { label: 'encoding value of 1 MiB', input: whole('<?xml encoding="', 'u', '"?><plist><true/></plist>') };
  yield { label: 'processing instructions × 300,000', input: whole('', '<?x?>', '<plist><true/></plist>') };
  yield { label: 'DOCTYPE of 1 MiB', input: whole('<!DOCTYPE plist ', 'P', '><plist><true/></plist>') };
  yield { label: 'DOCTYPE unterminated', input: whole('<!DOCTYPE ', 'x', '') };
  yield { label: '1 MiB of text before <plist>', input: whole('', 'x', '<plist><true/></plist>') };
  yield { label: 'UTF-8 BOM then 1 MiB of spaces', input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), whole('', ' ', '<plist><true/></plist>').subarray(3)]) };
  yield { label: 'invalid UTF-8 at the end of 1 MiB', input: Buffer.concat([whole('<plist><string>', 'a', '').subarray(1), Buffer.from([0xff])]) };
}
