/**
 * jsdom has no layout: CodeMirror measures text with Range#getClientRects and
 * getBoundingClientRect. Empty rectangles are enough for it to render and accept edits.
 */
export function installCodeMirrorShims(): void {
  const rect = { x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, toJSON: () => ({}) } as DOMRect;
  const rects = Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getClientRects ??= () => rects;
  Range.prototype.getBoundingClientRect ??= () => rect;
}
