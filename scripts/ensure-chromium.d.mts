/** Path of the Chromium binary the browser tests drive. */
export declare const CHROMIUM: string;
/** Installs Debian's chromium when missing (as root); returns its path. */
export declare function ensureChromium(): string;
