// A queue of three messages flowing into a rounded tray, in SQS pink.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="14" fill="#E7157B"/>' +
  '<rect x="12" y="18" width="10" height="28" rx="3" fill="#fff" opacity=".55"/>' +
  '<rect x="27" y="18" width="10" height="28" rx="3" fill="#fff" opacity=".8"/>' +
  '<rect x="42" y="18" width="10" height="28" rx="3" fill="#fff"/>' +
  '<path d="M8 32h-2M58 32h-2" stroke="#fff" stroke-width="3" stroke-linecap="round"/>' +
  '</svg>';

// encodeURIComponent, not btoa: the bundle evaluates in the sandbox, which has only ECMAScript globals.
export const SQS_ICON = `data:image/svg+xml,${encodeURIComponent(svg)}`;
