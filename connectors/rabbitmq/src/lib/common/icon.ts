// A rabbit-ear "R" silhouette in RabbitMQ orange.
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="14" fill="#FF6600"/>' +
  '<path fill="#fff" d="M16 12h8v18h6V12h8v18h6a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H20a4 4 0 0 1-4-4z"/>' +
  '<rect x="36" y="36" width="6" height="6" rx="1.5" fill="#FF6600"/>' +
  '</svg>';

// encodeURIComponent, not btoa: the bundle evaluates in the sandbox, which has only ECMAScript globals.
export const RABBITMQ_ICON = `data:image/svg+xml,${encodeURIComponent(svg)}`;
