import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { invalidArgument } from '../core/errors.ts';

/** Everything `vmgate serve` can be told. Flags > VMGATE_* environment > config file > defaults. */
export interface ServeConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly httpsPort: number;
  /** Plain HTTP on loopback for local tools; null = off. */
  readonly httpPort: number | null;
  readonly authdPort: number | null;
  readonly driver: 'sim' | 'qemu';
  readonly demo: boolean;
  readonly demoHosts: number;
  readonly demoVms: number;
  readonly simSpeed: number;
  readonly qemuAccel: 'auto' | 'kvm' | 'tcg';
  /** Address the VMs' VNC consoles listen on and that console tickets name. */
  readonly consoleAddress: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly maxFailedLogins: number;
  readonly lockoutSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly bodyLimitBytes: number;
  /** The faces to run, by name (src/server/faces.ts); null = all of them. */
  readonly faces: readonly string[] | null;
  /** `https://vmgate.example.com:8443`: the base of transfer and console URLs handed out; null = the listener's own address. */
  readonly publicUrl: string | null;
  readonly maxSessionsPerUser: number;
  readonly loginDelayAfterFailures: number;
  readonly loginDelayMs: number;
  readonly loginDelayMaxMs: number;
  readonly loginQueuePerSource: number;
  /** RDV: JobUpdated callback addresses every RDV job is reported to; null = none. */
  readonly rdvCallbacks: readonly string[] | null;
  /** RDV: URL prefixes a WS-Addressing ReplyTo callback address must start with; null = ReplyTo is not used. */
  readonly rdvCallbackAllow: readonly string[] | null;
  /** View broker: the Windows domains offered on the login screen (the first is the default); accounts are vmgate's own whichever is chosen. */
  readonly viewDomains: readonly string[];
  /** View broker: a disclaimer every user must accept before the password screen; null = none. */
  readonly viewDisclaimer: string | null;
}

export interface OptionSpec {
  readonly key: keyof ServeConfig;
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'address' | 'port' | 'int' | 'number' | 'bool' | 'enum' | 'list' | 'url' | 'urls' | 'domains' | 'text';
  readonly values?: readonly string[];
  readonly def: ServeConfig[keyof ServeConfig];
  readonly help: string;
}

/** The one table of options: the CLI, the environment and the docs are generated from it. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { key: 'dataDir', flag: '--data-dir', env: 'VMGATE_DATA_DIR', kind: 'string', def: './data', help: 'data directory: database, certificate, datastores, logs' },
  { key: 'host', flag: '--host', env: 'VMGATE_HOST', kind: 'string', def: '0.0.0.0', help: 'address the HTTPS and authd listeners bind to' },
  { key: 'httpsPort', flag: '--https-port', env: 'VMGATE_HTTPS_PORT', kind: 'port', def: 8443, help: 'HTTPS port (the vSphere Automation API, the View broker, /healthz); 0 picks a free one' },
  { key: 'httpPort', flag: '--http-port', env: 'VMGATE_HTTP_PORT', kind: 'port', def: null, help: 'plain HTTP port on 127.0.0.1 for local tools (off unless given)' },
  { key: 'authdPort', flag: '--authd-port', env: 'VMGATE_AUTHD_PORT', kind: 'port', def: 8902, help: 'authd/vmserverd TCP port' },
  { key: 'driver', flag: '--driver', env: 'VMGATE_DRIVER', kind: 'enum', values: ['sim', 'qemu'], def: 'sim', help: 'hypervisor driver for new hosts and the library' },
  { key: 'demo', flag: '--demo', env: 'VMGATE_DEMO', kind: 'bool', def: false, help: 'create the demo inventory (idempotent)' },
  { key: 'demoHosts', flag: '--demo-hosts', env: 'VMGATE_DEMO_HOSTS', kind: 'int', def: 3, help: 'hosts in the demo cluster' },
  { key: 'demoVms', flag: '--demo-vms', env: 'VMGATE_DEMO_VMS', kind: 'int', def: 4, help: 'VMs per demo host' },
  { key: 'simSpeed', flag: '--sim-speed', env: 'VMGATE_SIM_SPEED', kind: 'number', def: 1, help: 'simulator speed factor (2 = twice as fast)' },
  { key: 'qemuAccel', flag: '--qemu-accel', env: 'VMGATE_QEMU_ACCEL', kind: 'enum', values: ['auto', 'kvm', 'tcg'], def: 'auto', help: 'QEMU accelerator; auto proves KVM works first' },
  { key: 'consoleAddress', flag: '--console-address', env: 'VMGATE_CONSOLE_ADDRESS', kind: 'address', def: '127.0.0.1', help: 'address the VMs\' VNC consoles listen on and that console tickets name (keep loopback unless clients connect from elsewhere)' },
  { key: 'logLevel', flag: '--log-level', env: 'VMGATE_LOG_LEVEL', kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], def: 'info', help: 'log level of <data-dir>/logs/vmgate.log' },
  { key: 'maxFailedLogins', flag: '--max-failed-logins', env: 'VMGATE_MAX_FAILED_LOGINS', kind: 'int', def: 5, help: 'wrong passwords from one address before the account locks for that address' },
  { key: 'lockoutSeconds', flag: '--lockout-seconds', env: 'VMGATE_LOCKOUT_SECONDS', kind: 'int', def: 900, help: 'how long such a lock lasts (and the window failures are counted in)' },
  { key: 'sessionIdleSeconds', flag: '--session-idle-seconds', env: 'VMGATE_SESSION_IDLE_SECONDS', kind: 'int', def: 1800, help: 'idle time after which a session ends' },
  { key: 'publicUrl', flag: '--public-url', env: 'VMGATE_PUBLIC_URL', kind: 'url', def: null, help: 'base of the transfer and console URLs vmgate hands out (https://name:port); default: the address the client reached' },
  { key: 'bodyLimitBytes', flag: '--body-limit', env: 'VMGATE_BODY_LIMIT', kind: 'int', def: 1048576, help: 'largest request body (file transfers stream and are not bound by it)' },
  { key: 'faces', flag: '--faces', env: 'VMGATE_FACES', kind: 'list', def: null, help: 'faces to run, comma-separated (vapi, authd, view, rdv, web); all unless given' },
  { key: 'maxSessionsPerUser', flag: '--max-sessions-per-user', env: 'VMGATE_MAX_SESSIONS_PER_USER', kind: 'int', def: 64, help: 'sessions one user may hold; a new one ends the one idle longest' },
  { key: 'loginDelayAfterFailures', flag: '--login-delay-after', env: 'VMGATE_LOGIN_DELAY_AFTER', kind: 'int', def: 10, help: 'failed logins from one address (any account) before its attempts are slowed down' },
  { key: 'loginDelayMs', flag: '--login-delay-ms', env: 'VMGATE_LOGIN_DELAY_MS', kind: 'int', def: 200, help: 'first delay of a slowed-down address, doubling per failure (0 = no delays)' },
  { key: 'loginDelayMaxMs', flag: '--login-delay-max-ms', env: 'VMGATE_LOGIN_DELAY_MAX_MS', kind: 'int', def: 5000, help: 'longest delay of a slowed-down address' },
  { key: 'loginQueuePerSource', flag: '--login-queue-per-source', env: 'VMGATE_LOGIN_QUEUE_PER_SOURCE', kind: 'int', def: 32, help: 'logins one address may have in progress at once (queued fairly with other addresses); more are refused at once' },
  { key: 'rdvCallbacks', flag: '--rdv-callbacks', env: 'VMGATE_RDV_CALLBACKS', kind: 'urls', def: null, help: 'RDV: http(s) URLs that receive JobUpdated for every RDV job, comma-separated' },
  { key: 'viewDomains', flag: '--view-domains', env: 'VMGATE_VIEW_DOMAINS', kind: 'domains', def: ['VMGATE'], help: 'View broker: Windows domain names offered at login, comma-separated (the first is the default)' },
  { key: 'viewDisclaimer', flag: '--view-disclaimer', env: 'VMGATE_VIEW_DISCLAIMER', kind: 'text', def: null, help: 'View broker: disclaimer text users must accept before they log in (none unless given)' },
  { key: 'rdvCallbackAllow', flag: '--rdv-callback-allow', env: 'VMGATE_RDV_CALLBACK_ALLOW', kind: 'urls', def: null, help: 'RDV: URL prefixes a WS-Addressing ReplyTo callback must start with (ReplyTo is ignored unless given)' },
];

function parseValue(spec: OptionSpec, raw: unknown, source: string): unknown {
  if (raw === undefined || raw === null) return undefined;
  const s = String(raw);
  const bad = (): never => {
    throw invalidArgument(`${source}: '${s}' is not a valid value for ${spec.flag} (${spec.kind}${spec.values ? `: ${spec.values.join('|')}` : ''})`, { module: 'config' });
  };
  switch (spec.kind) {
    case 'string':
      return s;
    case 'address':
      // An IP address (a console must bind to it, and clients are told it).
      if (isIP(s) === 0) bad();
      return s;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes|on)$/i.test(s)) return true;
      if (/^(0|false|no|off)$/i.test(s)) return false;
      return bad();
    case 'port': {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0 || n > 65535) bad();
      return n;
    }
    case 'int': {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) bad();
      return n;
    }
    case 'number': {
      const n = Number(s);
      if (!Number.isFinite(n) || n <= 0) bad();
      return n;
    }
    case 'enum':
      if (!spec.values!.includes(s)) bad();
      return s;
    case 'list': {
      // Names, comma-separated (a JSON array in the config file); which names exist is the server's to check.
      const items = (Array.isArray(raw) ? raw.map(String) : s.split(',')).map((x) => x.trim()).filter((x) => x !== '');
      if (items.some((x) => !/^[a-z0-9][a-z0-9-]{0,31}$/.test(x))) bad();
      return [...new Set(items)];
    }
    case 'domains': {
      // NetBIOS-style names, comma-separated (a JSON array in the config file), compared case-insensitively.
      const items = (Array.isArray(raw) ? raw.map(String) : s.split(',')).map((x) => x.trim()).filter((x) => x !== '');
      if (items.length === 0 || items.length > 32 || items.some((x) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(x))) bad();
      const seen = new Set<string>();
      return items.filter((x) => !seen.has(x.toUpperCase()) && seen.add(x.toUpperCase()));
    }
    case 'text': {
      // Free text shown to people (line breaks allowed, other control characters not); '' = none.
      // eslint-disable-next-line no-control-regex
      if (s.length > 4000 || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) bad();
      return s.trim() === '' ? null : s;
    }
    case 'urls': {
      // http(s) URLs, comma-separated (a JSON array in the config file).
      const items = (Array.isArray(raw) ? raw.map(String) : s.split(',')).map((x) => x.trim()).filter((x) => x !== '');
      for (const x of items) {
        const u = URL.canParse(x) ? new URL(x) : bad();
        if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) bad();
      }
      return [...new Set(items)];
    }
    case 'url': {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return bad();
      }
      // Scheme, host and port only: the paths vmgate hands out are appended to it.
      if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '' || (u.pathname !== '/' && u.pathname !== '')) bad();
      return u.origin;
    }
  }
}

/** Resolves the configuration from flags, environment and an optional JSON config file. */
export function resolveServeConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, configFile?: string): ServeConfig {
  let file: Record<string, unknown> = {};
  const path = configFile ?? env.VMGATE_CONFIG;
  if (path) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw invalidArgument(`config file ${path}: ${(e as Error).message}`, { module: 'config' });
    }
  }
  const out: Record<string, unknown> = {};
  for (const spec of SERVE_OPTIONS) {
    const v = parseValue(spec, flags[spec.key], `flag ${spec.flag}`) ?? parseValue(spec, env[spec.env] === '' ? undefined : env[spec.env], `environment ${spec.env}`) ?? parseValue(spec, file[spec.key], `config file key ${spec.key}`);
    out[spec.key] = v === undefined ? spec.def : v;
  }
  out.dataDir = resolve(out.dataDir as string);
  return out as unknown as ServeConfig;
}
