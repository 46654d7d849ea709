// A database cylinder in PostgreSQL blue.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="14" fill="#336791"/>' +
  '<ellipse cx="32" cy="18" rx="16" ry="6" fill="#fff"/>' +
  '<path d="M16 18v28c0 3.3 7.2 6 16 6s16-2.7 16-6V18" fill="none" stroke="#fff" stroke-width="3"/>' +
  '<path d="M16 32c0 3.3 7.2 6 16 6s16-2.7 16-6" fill="none" stroke="#fff" stroke-width="3"/>' +
  '</svg>';

// encodeURIComponent, not btoa: the bundle evaluates in the sandbox, which has only ECMAScript globals.
export const POSTGRES_ICON = `data:image/svg+xml,${encodeURIComponent(svg)}`;
