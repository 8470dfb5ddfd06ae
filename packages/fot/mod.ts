/**
 * @secp/fot — work in progress; see README.md.
 *
 * @module
 */

/** Package name, exported so the module is not empty while the package is being written. */
export const PACKAGE_NAME = "@secp/fot";
