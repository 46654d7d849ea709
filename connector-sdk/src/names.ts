/** Kebab-case names keep URLs, manifests and flow definitions readable and stable. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new Error(
      `${what} name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and single dashes (e.g. "send-message")`,
    );
  }
}

export function checkText(owner: string, field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${owner} needs a ${field}`);
}
