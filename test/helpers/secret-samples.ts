/**
 * Realistic secrets, built at run time from pieces and a seeded generator, so that this repository
 * itself holds no string a secret scanner would flag (every token prefix is split, every body random).
 * Each sample is a text in a typical context (an env line, JSON, a log, a URL) and the secret values
 * it contains, which must be gone after redaction.
 */

export interface SecretSample {
  kind: string;
  text: string;
  /** The substrings that must not survive redaction. */
  values: string[];
}

/** A small deterministic generator (mulberry32), so that a failing sample can be reproduced. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}_-`;
const HEX = '0123456789abcdef';
const BASE32 = `${UPPER}234567`;

export function makeSamples(seed = 1): SecretSample[] {
  const r = rng(seed);
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  /** n characters of `alphabet` with at least one upper, one lower and one digit (shapes real keys have). */
  const mixed = (alphabet: string, n: number) => {
    const s = pick(alphabet, n - 3).split('');
    for (const a of [UPPER, LOWER, DIGITS]) s.splice(Math.floor(r() * s.length), 0, pick(a, 1));
    return s.join('');
  };
  const digits = (n: number) => pick('123456789', 1) + pick(DIGITS, n - 1);
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  const password = () => `${mixed(ALNUM, 10)}!${pick('#%^&*', 1)}${pick(DIGITS, 2)}`;
  const S: SecretSample[] = [];
  const add = (kind: string, text: string, ...values: string[]) => S.push({ kind, text, values });
  /** Three contexts a value is typically pasted in. */
  const contexts = (kind: string, name: string, make: () => string) => {
    const a = make();
    add(kind, `Deploy failed; the key was ${a} (rotated since).`, a);
    const b = make();
    add(kind, `{"name": "${name}", "value": "${b}"}`, b);
    const c = make();
    add(kind, `2026-11-21T10:00:00Z INFO using credential ${c} for upload`, c);
  };

  // Private keys: PEM blocks of several flavours, whole, cut short, and escaped inside JSON.
  const pem = (label: string, lines: number) => {
    const body = Array.from({ length: lines }, () => pick(B64, 64));
    const begin = `-----BEGIN ${label}PRIVATE ${'KEY'}-----`;
    const end = `-----END ${label}PRIVATE ${'KEY'}-----`;
    return { block: [begin, ...body, end].join('\n'), body, begin };
  };
  for (const label of ['RSA ', 'EC ', 'OPENSSH ', '']) {
    const k = pem(label, 4);
    add('private-key', `key for the staging box:\n${k.block}\nend of paste`, ...k.body);
  }
  {
    const k = pem('', 3);
    add('private-key', `{"type": "service_account", "private_key": ${JSON.stringify(`${k.block}\n`)}, "client_email": "x@y.iam"}`, ...k.body);
    const cut = pem('RSA ', 3);
    add('private-key', `half a key was pasted:\n${cut.begin}\n${cut.body[0]}\n${cut.body[1]}\n\nand then the log went on`, cut.body[0]!, cut.body[1]!);
    const pgp = Array.from({ length: 3 }, () => pick(B64, 64));
    add('private-key', `-----BEGIN PGP PRIVATE ${'KEY'} BLOCK-----\n\n${pgp.join('\n')}\n-----END PGP PRIVATE ${'KEY'} BLOCK-----`, ...pgp);
  }

  const jwt = () => {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: pick(DIGITS, 10), name: pick(LOWER, 8), iat: 1700000000 + Math.floor(r() * 1e6) }));
    return `${head}.${payload}.${pick(B64URL, 43)}`;
  };
  contexts('jwt', 'session', jwt);
  contexts('anthropic-api-key', 'ANTHROPIC_API_KEY', () => `${'sk-'}${'ant-'}api03-${mixed(B64URL, 93)}AA`);
  contexts('openai-api-key', 'OPENAI_API_KEY', () => `${'sk-'}${'proj-'}${mixed(B64URL, 124)}`);
  {
    const legacy = `${'sk-'}${mixed(ALNUM, 20)}${'T3Blbk'}${'FJ'}${mixed(ALNUM, 20)}`;
    add('openai-api-key', `OPENAI_API_KEY=${legacy}`, legacy);
  }
  for (const p of ['p', 'o', 's', 'u', 'r']) {
    const t = `${'gh'}${p}_${mixed(ALNUM, 36)}`;
    add('github-token', `GITHUB_TOKEN=${t}`, t);
  }
  contexts('github-fine-grained-token', 'GH_PAT', () => `${'github'}${'_pat_'}${mixed(ALNUM, 22)}_${mixed(ALNUM, 59)}`);
  contexts('gitlab-token', 'GITLAB_TOKEN', () => `${'gl'}${'pat-'}${mixed(B64URL, 20)}`);
  {
    const runner = `${'gl'}${'rt-'}${mixed(ALNUM, 20)}`;
    add('gitlab-token', `runner token: ${runner}`, runner);
    const registration = mixed(ALNUM, 20);
    add('gitlab-token', `registration ${'GR13'}${'48941'}${registration}`, registration);
  }
  contexts('slack-token', 'SLACK_BOT_TOKEN', () => `${'xo'}${'xb-'}${digits(11)}-${digits(13)}-${mixed(ALNUM, 24)}`);
  {
    const tail = pick(HEX, 32);
    add('slack-token', `user token ${'xo'}${'xp-'}${digits(11)}-${digits(12)}-${digits(13)}-${tail}`, tail);
  }
  for (let i = 0; i < 3; i++) {
    const path = `${'T'}${pick(UPPER + DIGITS, 8)}/${'B'}${pick(UPPER + DIGITS, 10)}/${mixed(ALNUM, 24)}`;
    add('slack-webhook', `curl -X POST https://${'hooks'}.${'slack'}.com/services/${path} -d @msg.json`, path.split('/')[2]!);
  }
  for (const p of ['sk_live_', 'rk_live_', 'sk_test_']) {
    const t = `${p.slice(0, 3)}${p.slice(3)}${mixed(ALNUM, 24 + Math.floor(r() * 60))}`;
    add('stripe-key', `stripe.api_key = "${t}"`, t);
  }
  contexts('stripe-webhook-secret', 'STRIPE_WEBHOOK_SECRET', () => `${'wh'}${'sec_'}${mixed(ALNUM, 32)}`);
  for (const p of ['AKIA', 'ASIA', 'AKIA']) {
    const id = `${p.slice(0, 2)}${p.slice(2)}${pick(BASE32, 16)}`;
    add('aws-access-key-id', `[default]\naws_access_key_id = ${id}\nregion = eu-west-1`, id);
  }
  for (const form of ['aws_secret_access_key = ', 'AWS_SECRET_ACCESS_KEY=', '"SecretAccessKey": "']) {
    const k = mixed(B64, 40);
    add('aws-secret-access-key', `${form}${k}${form.startsWith('"') ? '"' : ''}`, k);
  }
  for (let i = 0; i < 3; i++) {
    const t = `${'IQo'}${mixed(B64, 300)}`;
    add('aws-session-token', `aws_session_token=${t}`, t);
  }
  contexts('gcp-api-key', 'GOOGLE_API_KEY', () => `${'AI'}${'za'}${mixed(B64URL, 35)}`);
  contexts('gcp-oauth-client-secret', 'client_secret', () => `${'GOC'}${'SPX-'}${mixed(B64URL, 28)}`);
  contexts('gcp-access-token', 'access_token', () => `${'ya'}${'29.'}${mixed(B64URL, 120)}`);
  for (let i = 0; i < 3; i++) {
    const k = `${mixed(B64, 86)}==`;
    add('azure-storage-key', `DefaultEndpointsProtocol=https;AccountName=acct${i};Account${'Key'}=${k};EndpointSuffix=core.windows.net`, k);
  }
  for (let i = 0; i < 3; i++) {
    const sig = `${mixed(ALNUM, 20)}%2B${mixed(ALNUM, 20)}%3D`;
    add('azure-sas-token', `https://acct.blob.core.windows.net/c/f.zip?sv=2022-11-02&se=2026-12-01&sp=r&${'sig'}=${sig}`, sig);
  }
  contexts('azure-client-secret', 'AZURE_CLIENT_SECRET', () => `${pick(ALNUM, 3)}${pick(DIGITS, 1)}${'Q~'}${mixed(ALNUM + '_.-', 34)}`);
  for (let i = 0; i < 3; i++) {
    const t = `${'np'}${'m_'}${mixed(ALNUM, 36)}`;
    add('npm-token', `//registry.npmjs.org/:_authToken=${t}`, t);
  }
  for (let i = 0; i < 3; i++) {
    const t = [8, 4, 4, 4, 12].map((n) => pick(HEX, n)).join('-');
    add('npm-auth-token', `//npm.example.com/:_auth${'Token'}=${t}`, t);
  }
  contexts('pypi-token', 'PYPI_TOKEN', () => `${'py'}${'pi-'}${'AgEIcHlwaS5vcmc'}${mixed(B64URL, 70)}`);
  contexts('sendgrid-api-key', 'SENDGRID_API_KEY', () => `${'S'}${'G.'}${mixed(B64URL, 22)}.${mixed(B64URL, 43)}`);
  contexts('twilio-api-key', 'TWILIO_API_KEY', () => `${'S'}${'K'}${pick(HEX, 32)}`);
  contexts('huggingface-token', 'HF_TOKEN', () => `${'h'}${'f_'}${pick(UPPER + LOWER, 34)}`);
  contexts('shopify-token', 'SHOPIFY_TOKEN', () => `${'shp'}${'at_'}${pick(HEX, 32)}`);
  contexts('digitalocean-token', 'DO_TOKEN', () => `${'do'}${'p_v1_'}${pick(HEX, 64)}`);
  contexts('linear-api-key', 'LINEAR_API_KEY', () => `${'lin'}${'_api_'}${mixed(ALNUM, 40)}`);
  contexts('telegram-bot-token', 'BOT_TOKEN', () => `${digits(10)}${':A'}${'A'}${mixed(B64URL, 33)}`);
  for (const url of ['postgres://app:P@db.internal:5432/main', 'mysql://root:P@127.0.0.1:3306/x', 'https://deploy:P@git.example.com/r.git', 'redis://:P@cache:6379/0', 'amqp://guest:P@mq/vhost']) {
    const pw = password().replace(/[#%^&*]/g, '_');
    add('url-credentials', `connecting to ${url.replace(':P@', `:${pw}@`)} ...`, pw);
  }
  for (let i = 0; i < 3; i++) {
    const pw = password();
    add('connection-string-password', `"ConnectionStrings": {"Main": "Server=tcp:db,1433;Database=app;User Id=sa;Password=${pw};"}`, pw);
  }
  for (let i = 0; i < 3; i++) {
    const cred = Buffer.from(`deploy:${password()}`).toString('base64');
    add('basic-auth', `curl -H "Authorization: Basic ${cred}" https://ci.example.com/api`, cred);
  }
  for (let i = 0; i < 3; i++) {
    const t = mixed(ALNUM, 40);
    add('bearer-token', `> GET /v1/items HTTP/1.1\n> Authorization: Bearer ${t}\n> Accept: */*`, t);
  }
  const generic: [string, string][] = [
    ['DB_PASSWORD=', ''],
    ['"client_secret": "', '"'],
    ["const apiKey = '", "';"],
    ['secret: ', ''],
    ['  password = "', '"'],
    ['export SERVICE_TOKEN=', ''],
    ['private_key := "', '"'],
  ];
  for (const [before, after] of generic) {
    const v = before.includes('TOKEN') || before.includes('private') ? mixed(ALNUM, 32) : password();
    add('generic-secret', `${before}${v}${after}`, v);
  }
  return S;
}

/** Text that looks a little like secrets but is not: none of it may change. */
export function falsePositiveCorpus(ids: readonly string[] = []): string[] {
  return [
    // Ordinary code
    'const password = req.body.password;',
    'function getToken(): string { return this.token; }',
    'interface Login { user: string; password: string; }',
    "if (token === undefined) throw new Error('no token');",
    "const secret = process.env.APP_SECRET ?? '';",
    'headers: { Authorization: `Bearer ${token}` },',
    'api_key = os.environ["OPENAI_API_KEY"]',
    'token = getpass.getpass("Token: ")',
    'password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())',
    'self.access_token = response.json()["access_token"]',
    'max_tokens: 4096, temperature: 0.2',
    'tokenizer: cl100k_base',
    'secretName: db-credentials',
    'token: ${{ secrets.NPM_TOKEN }}',
    'AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
    'password: "********"',
    'api_key: "your-api-key-here"',
    'DB_PASSWORD=${DB_PASSWORD:-}',
    'secret = Secret::new(config.secret_key_path)',
    'let token = lexer.next_token()?;',
    'func (c *Client) Token() (string, error) { return c.token, nil }',
    'private_key_path: /etc/ssl/private/server.key',
    'auth_token = authTokenFromEnvironment',
    'the token bucket refills every second; rotate the secret quarterly; password reset flow',
    'Authorization: Bearer <token>',
    'See https://github.com/org/repo.git, git@github.com:org/repo.git and ssh://git@host:22/repo',
    'postgres://localhost:5432/app and http://user@host/ and postgres://app:${DB_PASSWORD}@db/app and mysql://root:<password>@localhost',
    '@@ -1,4 +1,5 @@\n-  const a = 1;\n+  const a = 2;',
    'arn:aws:iam::123456789012:role/deploy',
    // Git SHAs, UUIDs and hashes in logs
    'commit 3f2c9a1b4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b',
    'Merge: a1b2c3d e4f5a6b\nindex 83db48f..bf269f4 100644',
    'fixed in 9fceb02 (and 5e28df337746db4f070c84f7069d365bfd0d72a8)',
    'request_id=550e8400-e29b-41d4-a716-446655440000 trace=7d3f0a2c-1b4e-4f5d-9c8b-0a1b2c3d4e5f',
    'Digest: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'integrity sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==',
    'build 2026-11-21T10:00:00.000Z sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709 size=1234',
    // Base64 images' first lines
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/',
    'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
    // Versions, addresses, numbers
    'node v20.20.2, npm 11.19.1, git 2.39.5; fe80::1ff:fe23:4567:890a; 00:1A:2B:3C:4D:5E',
    'SKU1234 and ASKED and the DESK; AKIA is a prefix, not a key',
    // Our own entry ids
    ...ids.map((id) => `id: ${id}\nCtx-Id: ${id}\nsupersedes ${id}`),
  ];
}
