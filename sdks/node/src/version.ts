/** The SDK's version, sent in the User-Agent (keep equal to package.json's). */
export const VERSION = "2.0.0";
