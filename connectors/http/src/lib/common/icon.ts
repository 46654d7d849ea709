// A globe with a request arrow, in a calm blue.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="14" fill="#2563EB"/>' +
  '<circle cx="30" cy="32" r="15" fill="none" stroke="#fff" stroke-width="3"/>' +
  '<path d="M15 32h30M30 17c-6 5-6 25 0 30M30 17c6 5 6 25 0 30" fill="none" stroke="#fff" stroke-width="2.5"/>' +
  '<path d="M44 44l8 0 0-8" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>' +
  '</svg>';

// encodeURIComponent, not btoa: the bundle evaluates in the sandbox, which has only ECMAScript globals.
export const HTTP_ICON = `data:image/svg+xml,${encodeURIComponent(svg)}`;
