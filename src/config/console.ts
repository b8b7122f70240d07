// The operator console's settings (CONSOLE_*, read by the intake; docs/console.md): who may log in — people with a
// personal token, stored only as its SHA-256 (CONSOLE_USERS[_FILE]), and/or whoever a trusted reverse proxy names
// (CONSOLE_PROXY_ADDRESSES) — and the key of its signed cookies (CONSOLE_SESSION_SECRET[_FILE]). The console is on
// when the secret is set; then at least one way to log in is needed. Problems never show a hash or the secret.
import { BlockList, isIP } from 'node:net';
import { readSecretSetting, readVariables, secretSource, type Env } from './read';

/** The shortest session secret taken, in characters. */
export const CONSOLE_SECRET_MIN_CHARS = 32;

export interface ConsoleUser {
  name: string;
  /** SHA-256 of the person's token. */
  digest: Buffer;
}

export interface ConsoleSettings {
  /** CONSOLE_USERS: who may log in with a token (empty: no token login). */
  users: ConsoleUser[];
  /** CONSOLE_PROXY_ADDRESSES: the proxies trusted to name the person (undefined: no proxy login). */
  proxies?: { list: BlockList; text: string[] };
  /** CONSOLE_SESSION_SECRET: signs the session and CSRF cookies. */
  secret: Buffer;
  /** CONSOLE_SESSION_TTL */
  sessionTtlMs: number;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@+-]{0,127}$/u;

/** `name:hex` entries, separated by commas or new lines. */
function parseUsers(text: string, source: string, problems: string[]): ConsoleUser[] {
  const users: ConsoleUser[] = [];
  for (const [i, entry] of text.split(/[,\n\r]+/).map((e) => e.trim()).filter(Boolean).entries()) {
    const at = entry.lastIndexOf(':');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    const hex = at > 0 ? entry.slice(at + 1).trim().toLowerCase() : '';
    if (!NAME.test(name)) problems.push(`${source}: entry ${i + 1}: expected name:<sha256 hex>, with a name of letters, digits, space . _ @ + - (at most 128)`);
    else if (!/^[0-9a-f]{64}$/.test(hex)) problems.push(`${source}: entry ${i + 1} (${name}): expected the token's SHA-256 as 64 hex digits (e.g. printf %s "$TOKEN" | sha256sum)`);
    else if (users.some((u) => u.name === name)) problems.push(`${source}: ${name} is listed twice`);
    else users.push({ name, digest: Buffer.from(hex, 'hex') });
  }
  if (!users.length && !problems.length) problems.push(`${source}: holds no user`);
  return users;
}

function parseProxies(entries: string[], problems: string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr, bits, extra] = e.split('/');
    const family = isIP(addr);
    const prefix = bits === undefined ? undefined : Number(bits);
    if (!family || extra !== undefined || (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)))) {
      problems.push(`CONSOLE_PROXY_ADDRESSES: ${JSON.stringify(e)} is not an IP address or CIDR range`);
      continue;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, prefix, type);
    // an IPv4 proxy as an IPv4-mapped IPv6 peer (a dual-stack listener)
    if (family === 4) {
      if (prefix === undefined) list.addAddress(`::ffff:${addr}`, 'ipv6');
      else list.addSubnet(`::ffff:${addr}`, 96 + prefix, 'ipv6');
    }
  }
  return list;
}

/** The console's settings, or undefined when it is off (no CONSOLE_SESSION_SECRET and no way to log in set). */
export function loadConsoleSettings(env: Env, problems: string[]): ConsoleSettings | undefined {
  const s = readVariables(env, ['CONSOLE_PROXY_ADDRESSES', 'CONSOLE_SESSION_TTL'], problems);
  const secret = readSecretSetting(env, 'CONSOLE_SESSION_SECRET', problems);
  const usersText = readSecretSetting(env, 'CONSOLE_USERS', problems)?.toString('utf8');
  const proxies = s.CONSOLE_PROXY_ADDRESSES?.length ? s.CONSOLE_PROXY_ADDRESSES : undefined;
  if (!secret && usersText === undefined && !proxies) return undefined;
  const users = usersText === undefined ? [] : parseUsers(usersText, secretSource(env, 'CONSOLE_USERS'), problems);
  if (!secret) problems.push('CONSOLE_USERS or CONSOLE_PROXY_ADDRESSES is set but CONSOLE_SESSION_SECRET is not: the console needs it to sign its cookies (e.g. openssl rand -base64 48)');
  else if ([...secret.toString('utf8')].length < CONSOLE_SECRET_MIN_CHARS) {
    problems.push(`${secretSource(env, 'CONSOLE_SESSION_SECRET')}: at least ${CONSOLE_SECRET_MIN_CHARS} characters needed (e.g. openssl rand -base64 48)`);
  }
  if (secret && usersText === undefined && !proxies) problems.push('CONSOLE_SESSION_SECRET is set, but nobody can log in: set CONSOLE_USERS (personal tokens) or CONSOLE_PROXY_ADDRESSES (a login proxy), or both');
  return {
    users,
    ...(proxies ? { proxies: { list: parseProxies(proxies, problems), text: proxies } } : {}),
    secret: secret ?? Buffer.alloc(0),
    sessionTtlMs: s.CONSOLE_SESSION_TTL,
  };
}
