/**
 * The text of JSON.stringify(value), for an object whose large members are
 * arrays (a plan's changes), in pieces: each member that is not an array, and
 * each `sliceSize` elements of one that is. Joined, the pieces are exactly
 * JSON.stringify's text (undefined, functions and symbols left out of the
 * object, null in arrays); written one at a time, a multi-megabyte answer never
 * holds the event loop for the hundreds of milliseconds one call would.
 */
export function* jsonInSlices(value: Record<string, unknown>, sliceSize = 500): Generator<string, void> {
  let text = '{';
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(member)) {
      text += JSON.stringify(member);
      continue;
    }
    text += '[';
    for (let i = 0; i < member.length; i++) {
      const element: unknown = member[i];
      text += `${i > 0 ? ',' : ''}${element === undefined || typeof element === 'function' || typeof element === 'symbol' ? 'null' : JSON.stringify(element)}`;
      if ((i + 1) % sliceSize === 0) {
        yield text;
        text = '';
      }
    }
    text += ']';
  }
  yield `${text}}`;
}
