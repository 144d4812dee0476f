/**
 * Percent-decoding of request paths, as decodeURI does it with `%25` kept
 * encoded: escapes of decodeURI's reserved characters (`; / ? : @ & = + $ , #`)
 * and of `%` stay as written, every other one is decoded, and a malformed
 * escape or invalid UTF-8 refuses the whole path. ASCII escapes (the usual
 * `%20`) are decoded here, several times cheaper than a call to decodeURI,
 * which still decodes any path holding a UTF-8 sequence.
 */

/** Value of a hex digit by char code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}
const hex = (c: number) => (c < 128 ? (HEX[c] as number) : -1);

/** ASCII characters whose escapes stay as written: decodeURI's reserved set, and `%` itself. */
const KEPT = new Uint8Array(128);
for (const c of ';/?:@&=+$,#%') KEPT[c.charCodeAt(0)] = 1;

/** `path` decoded as decodeURI would after `%25` → `%2525`, or null where decodeURI would throw. */
export function decodePath(path: string): string | null {
  let out = '';
  let copied = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 3)) {
    const hi = hex(path.charCodeAt(i + 1));
    const lo = hex(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return null;
    const code = hi * 16 + lo;
    if (code >= 0x80) return decodeUtf8(path);
    if (KEPT[code] === 1) continue;
    out += path.slice(copied, i) + String.fromCharCode(code);
    copied = i + 3;
  }
  return copied === 0 ? path : out + path.slice(copied);
}

function decodeUtf8(path: string): string | null {
  try {
    return decodeURI(path.includes('%25') ? path.replaceAll('%25', '%2525') : path);
  } catch {
    return null;
  }
}

/**
 * A parameter's value from a segment of a decodePath result: the escapes
 * left there are valid ones of kept ASCII characters, so each is one char.
 */
export function decodeKept(segment: string): string {
  let i = segment.indexOf('%');
  if (i === -1) return segment;
  let out = '';
  let copied = 0;
  for (; i !== -1; i = segment.indexOf('%', copied)) {
    out += segment.slice(copied, i) + String.fromCharCode(hex(segment.charCodeAt(i + 1)) * 16 + hex(segment.charCodeAt(i + 2)));
    copied = i + 3;
  }
  return out + segment.slice(copied);
}
