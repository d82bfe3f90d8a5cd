/**
 * Where JSON text stops being JSON. `JSON.parse` reports no position in some
 * Node versions ("Unexpected token ',', ..."), so this small recursive-descent
 * checker finds the offset of the first error and says what was expected.
 */

/** The first syntax error of `text`, or null when it is valid JSON. */
export function jsonErrorAt(text: string): { offset: number; expected: string } | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  class Stop {
    constructor(readonly expected: string) {}
  }
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') throw new Stop("':' after the property name");
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop("',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop("',' or ']' after an array element");
      }
    }
    if (c === '"') return string();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) throw new Stop('a value (object, array, string, number, true, false or null)');
    i += lit[0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const m = /^\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(i, i + 6));
        if (!m) throw new Stop('a valid escape sequence');
        i += m[0].length;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) throw new Stop('a closing \'"\' (control characters must be escaped)');
      i++;
    }
    throw new Stop("a closing '\"'");
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop('the end of the text after the top-level value');
    return null;
  } catch (e) {
    if (e instanceof Stop) return { offset: Math.min(i, text.length), expected: e.expected };
    throw e;
  }
}
