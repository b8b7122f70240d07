// The bearer tokens of our HTTP endpoints (the intake's INTAKE_TOKEN, the codec endpoint's CODEC_TOKENS), read the
// same way: the value or a file (NAME_FILE), several separated by commas or new lines (rotation), each at least
// 16 printable characters; with `<AUTH>=none` there must be none. Problems never show a token.
import { readSecretSetting, secretSource, type Env } from './read';

const MIN_TOKEN_LENGTH = 16;

export function bearerTokens(env: Env, name: 'INTAKE_TOKEN' | 'CODEC_TOKENS', auth: 'bearer' | 'none', problems: string[]): string[] {
  const authName = name === 'INTAKE_TOKEN' ? 'INTAKE_AUTH' : 'CODEC_AUTH';
  const text = readSecretSetting(env, name, problems)?.toString('utf8');
  const tokens = (text ?? '').split(/[,\n\r]+/).map((t) => t.trim()).filter(Boolean);
  const source = secretSource(env, name);
  if (auth === 'none') {
    if (text !== undefined) problems.push(`${authName}=none and ${source} exclude each other: unset one`);
    return tokens;
  }
  if (text === undefined) problems.push(`${name} or ${name}_FILE: no bearer token configured (set one, e.g. openssl rand -hex 32; ${authName}=none turns the check off for local use)`);
  else if (!tokens.length) problems.push(`${source}: holds no token`);
  for (const [i, t] of tokens.entries()) {
    if (t.length < MIN_TOKEN_LENGTH) problems.push(`${source}: token ${i + 1} is ${t.length} characters, at least ${MIN_TOKEN_LENGTH} needed`);
    else if (!/^[\x21-\x7e]+$/.test(t)) problems.push(`${source}: token ${i + 1} must be printable ASCII without spaces`);
  }
  return tokens;
}
