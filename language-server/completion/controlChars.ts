// Control characters never reach the editor: a model (or a remote server) can produce NUL, BEL or an ESC that starts
// a terminal sequence, and an editor inserts them as they are. Tab and line ends are text; everything else in C0,
// DEL and C1 is removed.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function withoutControlCharacters(text: string): string {
    return text.replace(CONTROL, "");
}
