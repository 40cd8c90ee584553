/**
 * Version facts. osq reports osquery's version where tools and packs gate on it (pack
 * `version` filters, `osquery_info.version`, the extension SDK version), and its own beside it.
 *
 * @module
 */

/** The osquery release whose contract osq implements. */
export const OSQUERY_VERSION = "5.23.1";

/** osq's own version. */
export const OSQ_VERSION = "0.1.0";

/** The extension SDK version osq speaks (osquery's kSDKVersion). */
export const SDK_VERSION = OSQUERY_VERSION;

/** The lowest extension SDK version osq's manager accepts. */
export const MIN_SDK_VERSION = "1.7.7";
