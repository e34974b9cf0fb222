import { BYTES_PER_VALUE, type Budget } from './plist-limits';
import { plistError, setOwn, type PlistDict, type PlistValue } from './plist.types';
import { unescapeText } from './xml-entities';
import { parseData, parseDate, parseInteger, parseReal } from './xml-scalars';

/**
 * A small XML property-list reader written for hostile input. It understands exactly the plist
 * vocabulary (Apple's PropertyList-1.0 DTD) and none of XML's dangerous parts: a DOCTYPE with an
 * internal subset, ENTITY declarations and every entity except the five predefined ones and
 * character references are refused, so there is nothing to expand (XXE, billion laughs).
 * Limits on depth, value count, keys per dict and decoded bytes are enforced while reading. Every
 * step moves forward through the text, and the few patterns left have no two quantifiers that can
 * match the same characters, so none backtracks over it: the time is linear in the body.
 */
export function decodeXmlPlist(text: string, budget: Budget): PlistValue {
  const r = new Reader(text, budget);
  r.prolog();
  const value = r.value(1);
  r.skipMisc();
  r.closeTag('plist');
  // Whatever follows </plist> is never read (as Apple's and micromdm's parsers do).
  return value;
}

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
}

class Reader {
  private pos = 0;
  constructor(private readonly src: string, private readonly budget: Budget) {}

  /** Skips the XML declaration, comments and a DOCTYPE without internal subset; stops at <plist>. */
  prolog(): void {
    for (;;) {
      this.skipSpace();
      const s = this.src;
      if (s.startsWith('<?', this.pos)) {
        const end = this.until('?>', 'unterminated XML declaration');
        const decl = s.slice(this.pos + 2, end);
        if (decl.includes('<')) throw plistError('malformed XML declaration');
        // Each quantified part ends at a character it cannot match (=, a quote): one pass.
        const enc = /encoding\s*=\s*["']([^"']*)["']/i.exec(decl);
        if (enc && !/^utf-?8$/i.test(enc[1]!)) throw plistError(`unsupported encoding ${enc[1]!.slice(0, 20)}`);
        this.pos = end + 2;
      } else if (s.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (s.startsWith('<!DOCTYPE', this.pos)) {
        const end = this.until('>', 'unterminated DOCTYPE');
        const body = s.slice(this.pos, end);
        if (body.includes('[') || body.includes('<', 1)) throw plistError('DOCTYPE with an internal subset is not accepted');
        this.pos = end + 1;
      } else if (s.startsWith('<!', this.pos)) {
        throw plistError('markup declarations (ENTITY, ELEMENT ...) are not accepted');
      } else if (s.startsWith('<plist', this.pos)) {
        const tag = this.tag();
        if (tag.name !== 'plist' || tag.closing) throw plistError('expected <plist>');
        if (tag.selfClosing) throw plistError('empty <plist/>');
        return;
      } else {
        throw plistError(this.pos >= s.length ? 'no <plist> element' : 'unexpected content before <plist>');
      }
    }
  }

  value(depth: number): PlistValue {
    this.skipMisc();
    if (this.src.charCodeAt(this.pos) !== 60 /* < */) throw plistError(this.pos >= this.src.length ? 'truncated document' : 'text where a value was expected');
    const tag = this.tag();
    if (tag.closing) throw plistError(`unexpected </${tag.name}> where a value was expected`);
    this.budget.value(depth);
    switch (tag.name) {
      case 'dict':
        return tag.selfClosing ? {} : this.dict(depth);
      case 'array':
        return tag.selfClosing ? [] : this.array(depth);
      case 'string':
        return tag.selfClosing ? '' : this.charged(this.text('string'));
      case 'true':
      case 'false':
        if (!tag.selfClosing && this.text(tag.name) !== '') throw plistError(`<${tag.name}> must be empty`);
        return tag.name === 'true';
      case 'integer':
        return parseInteger(tag.selfClosing ? '' : this.text('integer').trim());
      case 'real':
        return parseReal(tag.selfClosing ? '' : this.text('real').trim());
      case 'date':
        return parseDate(tag.selfClosing ? '' : this.text('date').trim());
      case 'data': {
        const data = parseData(tag.selfClosing ? '' : this.text('data'));
        this.budget.charge(data.length);
        return data;
      }
      default:
        throw plistError(`unexpected <${tag.name.slice(0, 32)}>`);
    }
  }

  private dict(depth: number): PlistDict {
    const dict: PlistDict = {};
    let count = 0;
    for (;;) {
      this.skipMisc();
      const tag = this.tag();
      if (tag.closing) {
        if (tag.name !== 'dict') throw plistError(`expected </dict>, found </${tag.name.slice(0, 32)}>`);
        return dict;
      }
      if (tag.name !== 'key') throw plistError(`expected <key> in dict, found <${tag.name.slice(0, 32)}>`);
      const key = tag.selfClosing ? '' : this.text('key');
      this.budget.keys(++count);
      this.budget.charge(BYTES_PER_VALUE + key.length);
      setOwn(dict, key, this.value(depth + 1));
    }
  }

  private array(depth: number): PlistValue[] {
    const items: PlistValue[] = [];
    for (;;) {
      this.skipMisc();
      if (this.src.startsWith('</', this.pos)) {
        this.closeTag('array');
        return items;
      }
      items.push(this.value(depth + 1));
    }
  }

  private charged(text: string): string {
    this.budget.charge(text.length);
    return text;
  }

  /** Character data up to `</name>`: entities decoded, CDATA kept verbatim, comments dropped. */
  private text(name: string): string {
    const s = this.src;
    let out = '';
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) throw plistError(`unterminated <${name}>`);
      out += unescapeText(s.slice(this.pos, lt));
      this.pos = lt;
      if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end < 0) throw plistError('unterminated CDATA');
        out += s.slice(lt + 9, end);
        this.pos = end + 3;
      } else if (s.startsWith('<!--', lt)) {
        this.skipComment();
      } else {
        this.closeTag(name);
        return out;
      }
    }
  }

  closeTag(name: string): void {
    const tag = this.tag();
    if (!tag.closing || tag.name !== name) throw plistError(`expected </${name}>`);
  }

  private tag(): Tag {
    const s = this.src;
    if (s.charCodeAt(this.pos) !== 60) throw plistError(this.pos >= s.length ? 'truncated document' : 'expected a tag');
    const end = s.indexOf('>', this.pos);
    if (end < 0) throw plistError('truncated tag');
    const inner = s.slice(this.pos + 1, end);
    if (inner.includes('<')) throw plistError('malformed tag');
    const closing = inner.charCodeAt(0) === 47; /* / */
    const selfClosing = !closing && inner.length > 1 && inner.charCodeAt(inner.length - 1) === 47;
    let nameEnd = closing ? 1 : 0;
    while (nameEnd < inner.length && isNameChar(inner.charCodeAt(nameEnd))) nameEnd++;
    const name = inner.slice(closing ? 1 : 0, nameEnd);
    const rest = inner.slice(nameEnd, selfClosing ? -1 : undefined);
    // After the name only attributes (separated by whitespace) may follow.
    if (name.length === 0 || (rest.length > 0 && !/^\s/.test(rest)) || (closing && rest.trim() !== '')) throw plistError('malformed tag');
    this.pos = end + 1;
    return { closing, name, selfClosing };
  }

  /** Whitespace and comments between elements; any other text is an error. */
  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith('<!--', this.pos)) this.skipComment();
      else return;
    }
  }

  private skipSpace(): void {
    const s = this.src;
    let c = s.charCodeAt(this.pos);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.pos);
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw plistError('unterminated comment');
    this.pos = end + 3;
  }

  private until(marker: string, message: string): number {
    const end = this.src.indexOf(marker, this.pos);
    if (end < 0) throw plistError(message);
    return end;
  }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}
