/**
 * Text from an LLM, a tool or an imported file is printed to terminals and logs, and a terminal obeys escape
 * sequences in it: OSC 52 writes the clipboard, OSC 0 sets the title, CSI 2J clears the screen, SGR 8 hides the
 * text that follows (under an approval prompt, say). Everything printed for people goes through `terminalSafe`,
 * which escapes every control character visibly (`\u001b`), except the colour sequences agentrun's own styling
 * writes (SGR with the few codes in COLOURS) and newlines and tabs. `--json` and the database keep the raw text.
 */

import { unicodeEscape } from '../../input/excerpt.js';

/** SGR parameters the CLI's styles use (chalk): reset, bold, dim, normal intensity, the colours, default colour. */
const COLOURS = new Set(['0', '1', '2', '22', '31', '32', '33', '36', '39', '90']);
const SGR = /\u001b\[([0-9;]*)m/y;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export function terminalSafe(text: string): string {
  if (!CONTROL.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\u001b') {
      SGR.lastIndex = i;
      const sgr = SGR.exec(text);
      if (sgr && sgr[1]!.split(';').every((p) => COLOURS.has(p === '' ? '0' : p))) {
        out += sgr[0];
        i += sgr[0].length - 1;
        continue;
      }
    }
    out += CONTROL.test(c) ? unicodeEscape(c) : c;
  }
  return out;
}
