/**
 * One request the stand-in metadata service (metadata_server.ts) records, as the cloud table tests
 * read it back: the method, path and the headers the real services check.
 *
 * @module
 */

/** A recorded request to the stand-in metadata service. */
export interface LoggedRequest {
  method: string;
  path: string;
  token: string | null;
  ttl: string | null;
  metadata: string | null;
  flavor: string | null;
  authorization: string | null;
  securityToken: string | null;
}
