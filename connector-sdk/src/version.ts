/** Kept equal to package.json's version by a test (the guest bundle cannot read package.json). */
export const SDK_VERSION = '0.1.0';
