export declare const DRAIN3_VERSION: string;
export declare const DRAIN3_VENV: string;
export declare const DRAIN3_PYTHON: string;
/** Creates the Drain3 venv when missing; its python, or undefined when it could not be installed. */
export declare function ensureDrain3(): string | undefined;
