import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CoreApi, Logger } from '../core/index.ts';

/**
 * The face seam: what a face declares and what it is given. A face translates one
 * protocol into core calls; the server (src/server/faces.ts, serve.ts) opens the enabled
 * ones, mounts their HTTP parts, listens for their TCP parts and stops them in order.
 * docs/design.md ("Faces: the seam") has the checklist for adding one.
 */

/** What every face gets: core's services, and nothing below them. */
export interface FaceDeps {
  readonly core: CoreApi;
  readonly log: Logger;
  readonly version: string;
  /** The server's TLS key and certificate (PEM), for TCP faces that start TLS themselves. */
  readonly tls: { readonly key: string; readonly cert: string };
  /**
   * The server's certificate as it changes: a face that serves TLS itself follows it
   * (`onChange`), and one that lets an administrator make a new one stores it through
   * `replace` (written to the data directory, used by every listener). Absent: the
   * certificate in `tls` is the only one.
   */
  readonly certificate?: ServerCertificate;
  /** `--public-url` (`https://name:port`): the base of URLs handed to clients; absent = the listener's own address. Never the Host header. */
  readonly publicUrl?: string | null;
  /** Face settings from the server's configuration (src/server/config.ts); absent = defaults. */
  readonly settings?: FaceSettings;
}

/** The server's one certificate, replaceable while it runs (src/server/tls.ts makes it). */
export interface ServerCertificate {
  current(): { readonly key: string; readonly cert: string };
  /** Stores the pair (a key that does not match the certificate is refused), then tells every listener. */
  replace(t: { readonly key: string; readonly cert: string }): Promise<void>;
  /** Called after each replace; returns the unsubscribe. */
  onChange(listener: (t: { readonly key: string; readonly cert: string }) => void): () => void;
}

/** The settings faces read (each documented in the options table of src/server/config.ts). */
export interface FaceSettings {
  /** RDV: JobUpdated callback addresses for every job. */
  readonly rdvCallbacks?: readonly string[];
  /** RDV: URL prefixes a WS-Addressing ReplyTo callback must start with. */
  readonly rdvCallbackAllow?: readonly string[];
  /** View broker: Windows domains offered at login (the first is the default); absent = ['VMGATE']. */
  readonly viewDomains?: readonly string[];
  /** View broker: disclaimer text users accept before the password screen; absent/null = none. */
  readonly viewDisclaimer?: string | null;
  /** authd: the directory for one-time local login tickets (a fresh directory of this run under the OS temp directory); absent: no local login. */
  readonly localTicketDir?: string;
}

/**
 * One path prefix a face owns on the HTTPS (and loopback HTTP) listener. It is registered
 * as an encapsulated fastify plugin with `prefix`, so inside it the face sets its own
 * content-type parsers, error handler and 404 handler; route paths are relative to the
 * prefix (`'/'` is the prefix itself, `'/*'` everything below it).
 */
export interface HttpMount {
  /** `/api`, `/broker`, …: starts with '/', no trailing '/'. */
  readonly prefix: string;
  /** What the banner shows after the URL (`(JSON-RPC, REST)`), if anything. */
  readonly note?: string;
  /**
   * `GET /` (which no face can own: prefixes are '/name') redirects to `<prefix>/`. At most
   * one mount of the running faces may say so (the web dashboard's `/ui` does); without
   * one, `/` is the server's 404.
   */
  readonly root?: boolean;
  register(scope: FastifyInstance): Promise<void>;
  /**
   * HTTP Upgrade requests (WebSocket) for paths under `prefix`, straight from the
   * listener: the face answers on the raw socket (a status line and close, or the
   * upgrade). Upgrades no mount takes are answered 404. The face ends these connections
   * in its `stop`.
   */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * A TCP listener of the face's own. The server creates the socket server, binds it to the
 * configured host and the port named in its face list, and hands each accepted connection
 * over; on stop it stops accepting, calls the face's `stop`, then waits for the
 * connections to end (destroying what is left after the drain time).
 */
export interface TcpPart {
  /** What the banner shows after `tcp host:port` (`TLS after the banner`). */
  readonly note?: string;
  handleConnection(socket: Socket): void;
}

/** A started face: what it serves, and how it stops. */
export interface FaceParts {
  readonly http?: readonly HttpMount[];
  readonly tcp?: TcpPart;
  /**
   * Graceful drain: called once the server's listeners no longer accept, before core
   * closes. End idle connections, refuse new work, let in-flight requests finish.
   */
  stop?(): Promise<void>;
}

/** A face: one protocol vmgate speaks. */
export interface Face {
  /** Its id, as `--faces` names it: lower case, no spaces (`vapi`, `authd`). */
  readonly name: string;
  /** What people call it (the banner). */
  readonly title: string;
  /** Builds the face for one server (state lives here, not in the module). */
  start(deps: FaceDeps): FaceParts | Promise<FaceParts>;
}
