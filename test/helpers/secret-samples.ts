/**
 * A corpus of realistic secrets, built at run time from each kind's published format (prefix, alphabet,
 * length) and a seeded generator: this repository holds no secret, only how to make a fake one. Each
 * sample is a text in a context such a secret is pasted in (an env line, JSON, a log, a URL, a config
 * file, a shell command) and the secret values it contains, which must be gone after redaction.
 *
 * The kinds are those of gitleaks' rule set (its rule ids) and of git-ctx's own rules. A sample's kind
 * says which format it follows; the rule that reports it may be another one that also matches.
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
const LOWNUM = LOWER + DIGITS;
const UPNUM = UPPER + DIGITS;
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}_-`;
const HEX = '0123456789abcdef';
const BASE32 = `${UPPER}234567`;
const BECH32 = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L';

/** Generators of random strings in the alphabets secret formats use. */
export class Gen {
  constructor(readonly r: () => number) {}
  pick(alphabet: string, n: number): string {
    return Array.from({ length: n }, () => alphabet[Math.floor(this.r() * alphabet.length)]).join('');
  }
  /** n characters of `alphabet` with at least one upper, one lower and one digit where it has them. */
  mixed(alphabet: string, n: number): string {
    const s = this.pick(alphabet, n).split('');
    for (const a of [UPPER, LOWER, DIGITS]) {
      const usable = [...a].filter((c) => alphabet.includes(c)).join('');
      if (usable && n >= 3) s[Math.floor(this.r() * n)] = this.pick(usable, 1);
    }
    return s.join('');
  }
  alnum = (n: number) => this.mixed(ALNUM, n);
  lownum = (n: number) => this.mixed(LOWNUM, n);
  upnum = (n: number) => this.mixed(UPNUM, n);
  hex = (n: number) => this.mixed(HEX, n);
  digits = (n: number) => this.pick('123456789', 1) + this.pick(DIGITS, n - 1);
  letters = (n: number) => this.mixed(UPPER + LOWER, n);
  b64 = (n: number) => this.mixed(B64, n);
  b64url = (n: number) => this.mixed(B64URL, n);
  uuid = () => [8, 4, 4, 4, 12].map((n) => this.pick(HEX, n)).join('-');
  password = () => `${this.mixed(ALNUM, 10)}!${this.pick('#%^&*', 1)}${this.pick(DIGITS, 2)}`;
}

/** PEM armour lines, put together at run time (a literal BEGIN line in this file would be redacted as a key cut short). */
const armour = (edge: 'BEGIN' | 'END', label: string) => `-----${edge} ${label}${['PRIVATE', 'KEY'].join(' ')}${label.startsWith('PGP') ? ' BLOCK' : ''}-----`;
/** A format: how to make one value, and the contexts it is shown in. */
interface Format {
  kind: string;
  make: (g: Gen) => string;
  /** The variable name it is assigned to (gitleaks' keyword rules need the service's name nearby). */
  name?: string;
  /** Custom contexts: each makes one sample (default: three generic ones, or two assignments). */
  contexts?: ((v: string, g: Gen) => string)[];
}

/** Where a bare token shows up: prose, JSON, a log line. */
const TOKEN_CONTEXTS: ((v: string) => string)[] = [
  (v) => `Deploy failed; the key was ${v} (rotated since).`,
  (v) => `{"name": "credential", "value": "${v}"}`,
  (v) => `2026-11-21T10:00:00Z INFO using credential ${v} for upload`,
];
/** Where a value given by name shows up: an env file, YAML, JSON. */
const assignments = (name: string): ((v: string) => string)[] => [
  (v) => `export ${name.toUpperCase()}=${v}`,
  (v) => `${name.toLowerCase()}: "${v}"`,
  (v) => `{"${name}": "${v}", "region": "eu-west-1"}`,
];

/** The formats, from the rule sets' documentation and the services' published token formats. */
const FORMATS: Format[] = [
  // Private keys, in their several forms (git-ctx's own rule takes them whole).
  {
    kind: 'private-key',
    make: (g) => g.b64(64),
    contexts: [
      (v, g) => `key for the staging box:\n${armour('BEGIN', 'RSA ')}\n${v}\n${g.b64(64)}\n${g.b64(20)}==\n${armour('END', 'RSA ')}\nend of paste`,
      (v, g) => `${armour('BEGIN', 'OPENSSH ')}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n${v}\n${g.b64(70)}\n${g.b64(70)}\n${g.b64(24)}\n${armour('END', 'OPENSSH ')}`,
      (v) => `half a key was pasted:\n${armour('BEGIN', 'EC ')}\n${v}\n\nand then the log went on`,
      (v, g) => `{"type": "service_account", "project_id": "demo-1", "private_key_id": "${g.hex(40)}", "private_key": "${armour('BEGIN', '')}\\n${v}\\n${g.b64(64)}\\n${armour('END', '')}\\n", "client_email": "ci@demo-1.iam.gserviceaccount.com"}`,
      (v) => `${armour('BEGIN', 'PGP ')}\n\n${v}\n=${'AbCd'}\n${armour('END', 'PGP ')}`,
      (v) => `    ${armour('BEGIN', '')}\n    ${v}\n    ${armour('END', '')}`,
    ],
  },
  // gitleaks' prefixed tokens.
  { kind: '1password-secret-key', make: (g) => `A3-${g.upnum(6)}-${g.upnum(11)}-${g.upnum(5)}-${g.upnum(5)}-${g.upnum(5)}` },
  { kind: '1password-service-account-token', make: (g) => `ops_eyJ${g.b64(260)}` },
  { kind: 'adobe-client-secret', make: (g) => `p8e-${g.alnum(32)}` },
  { kind: 'age-secret-key', make: (g) => `AGE-SECRET-KEY-1${g.pick(BECH32, 58)}` },
  { kind: 'alibaba-access-key-id', make: (g) => `LTAI${g.alnum(20)}` },
  { kind: 'anthropic-api-key', make: (g) => `sk-ant-api03-${g.b64url(93)}AA` },
  { kind: 'atlassian-api-token', make: (g) => `ATATT3${g.b64url(186)}` },
  { kind: 'authress-service-client-access-key', make: (g) => `sc_${g.lownum(10)}.${g.lownum(5)}.acc_${g.lownum(16)}.${g.b64(40)}` },
  { kind: 'aws-access-token', make: (g) => `AKIA${g.pick(BASE32, 16)}`, contexts: [(v) => `[default]\naws_access_key_id = ${v}\nregion = eu-west-1`, (v) => `AWS_ACCESS_KEY_ID=${v}`, (v) => `the role used ${v.replace('AKIA', 'ASIA')} at 10:02`] },
  { kind: 'azure-ad-client-secret', make: (g) => `${g.alnum(3)}${g.digits(1)}Q~${g.mixed(`${ALNUM}_~.-`, 34)}` },
  { kind: 'clickhouse-cloud-api-secret-key', make: (g) => `4b1d${g.alnum(38)}` },
  { kind: 'clojars-api-token', make: (g) => `CLOJARS_${g.lownum(60)}` },
  { kind: 'cloudflare-origin-ca-key', make: (g) => `v1.0-${g.hex(24)}-${g.hex(146)}` },
  { kind: 'databricks-api-token', make: (g) => `dapi${g.hex(32)}` },
  { kind: 'digitalocean-access-token', make: (g) => `doo_v1_${g.hex(64)}` },
  { kind: 'digitalocean-pat', make: (g) => `dop_v1_${g.hex(64)}` },
  { kind: 'digitalocean-refresh-token', make: (g) => `dor_v1_${g.hex(64)}` },
  { kind: 'doppler-api-token', make: (g) => `dp.pt.${g.alnum(43)}` },
  { kind: 'duffel-api-token', make: (g) => `duffel_test_${g.b64url(43)}` },
  { kind: 'dynatrace-api-token', make: (g) => `dt0c01.${g.upnum(24)}.${g.alnum(64)}` },
  { kind: 'easypost-api-token', make: (g) => `EZAK${g.alnum(54)}` },
  { kind: 'easypost-test-api-token', make: (g) => `EZTK${g.alnum(54)}` },
  { kind: 'facebook-page-access-token', make: (g) => `EAAC${g.alnum(110)}` },
  { kind: 'flutterwave-secret-key', make: (g) => `FLWSECK_TEST-${g.mixed('abcdefgh0123456789', 32)}-X` },
  { kind: 'flutterwave-public-key', make: (g) => `FLWPUBK_TEST-${g.mixed('abcdefgh0123456789', 32)}-X` },
  { kind: 'flyio-access-token', make: (g) => `fo1_${g.b64url(43)}` },
  { kind: 'frameio-api-token', make: (g) => `fio-u-${g.b64url(64)}` },
  { kind: 'gcp-api-key', make: (g) => `AIza${g.b64url(35)}` },
  { kind: 'gcp-oauth-client-secret', make: (g) => `GOCSPX-${g.b64url(28)}` },
  { kind: 'gcp-access-token', make: (g) => `ya29.${g.b64url(120)}` },
  { kind: 'github-pat', make: (g) => `ghp_${g.alnum(36)}` },
  { kind: 'github-oauth', make: (g) => `gho_${g.alnum(36)}` },
  { kind: 'github-app-token', make: (g) => `ghs_${g.alnum(36)}` },
  { kind: 'github-refresh-token', make: (g) => `ghr_${g.alnum(36)}` },
  { kind: 'github-fine-grained-pat', make: (g) => `github_pat_${g.alnum(22)}_${g.alnum(59)}` },
  { kind: 'gitlab-pat', make: (g) => `glpat-${g.b64url(20)}` },
  { kind: 'gitlab-deploy-token', make: (g) => `gldt-${g.b64url(20)}` },
  { kind: 'gitlab-feature-flag-client-token', make: (g) => `glffct-${g.b64url(20)}` },
  { kind: 'gitlab-feed-token', make: (g) => `glft-${g.b64url(20)}` },
  { kind: 'gitlab-incoming-mail-token', make: (g) => `glimt-${g.b64url(25)}` },
  { kind: 'gitlab-kubernetes-agent-token', make: (g) => `glagent-${g.b64url(50)}` },
  { kind: 'gitlab-oauth-app-secret', make: (g) => `gloas-${g.b64url(64)}` },
  { kind: 'gitlab-ptt', make: (g) => `glptt-${g.hex(40)}` },
  { kind: 'gitlab-rrt', make: (g) => `GR1348941${g.b64url(20)}` },
  { kind: 'gitlab-runner-authentication-token', make: (g) => `glrt-${g.b64url(20)}` },
  { kind: 'gitlab-scim-token', make: (g) => `glsoat-${g.b64url(20)}` },
  { kind: 'gitlab-cicd-job-token', make: (g) => `glcbt-${g.alnum(3)}_${g.b64url(20)}` },
  { kind: 'gitlab-session-cookie', make: (g) => g.lownum(32), contexts: [(v) => `Cookie: _gitlab_session=${v}; path=/`, (v) => `curl -b "_gitlab_session=${v}" https://gitlab.example.com/api/v4/user`] },
  { kind: 'grafana-api-key', make: (g) => `eyJrIjoi${g.alnum(80)}` },
  { kind: 'grafana-cloud-api-token', make: (g) => `glc_${g.alnum(60)}` },
  { kind: 'grafana-service-account-token', make: (g) => `glsa_${g.alnum(32)}_${g.hex(8)}` },
  { kind: 'harness-api-key', make: (g) => `pat.${g.b64url(22)}.${g.alnum(24)}.${g.alnum(20)}` },
  { kind: 'hashicorp-tf-api-token', make: (g) => `${g.lownum(14)}.atlasv1.${g.b64url(66)}` },
  { kind: 'heroku-api-key-v2', make: (g) => `HRKU-AA${g.b64url(58)}` },
  { kind: 'huggingface-access-token', make: (g) => `hf_${g.letters(34)}` },
  { kind: 'huggingface-organization-api-token', make: (g) => `api_org_${g.letters(34)}` },
  { kind: 'infracost-api-token', make: (g) => `ico-${g.alnum(32)}` },
  { kind: 'intra42-client-secret', make: (g) => `s-s4t2ud-${g.hex(64)}` },
  { kind: 'linear-api-key', make: (g) => `lin_api_${g.alnum(40)}` },
  { kind: 'maxmind-license-key', make: (g) => `${g.alnum(6)}_${g.alnum(29)}_mmk` },
  { kind: 'notion-api-token', make: (g) => `ntn_${g.digits(11)}${g.alnum(35)}` },
  { kind: 'npm-access-token', make: (g) => `npm_${g.alnum(36)}`, contexts: [(v) => `//registry.npmjs.org/:_authToken=${v}`, (v) => `NPM_TOKEN=${v}`] },
  { kind: 'octopus-deploy-api-key', make: (g) => `API-${g.upnum(26)}` },
  { kind: 'openai-api-key', make: (g) => `sk-proj-${g.b64url(74)}T3BlbkFJ${g.b64url(74)}`, contexts: [...assignments('OPENAI_API_KEY'), (_v, g) => `OPENAI_API_KEY=sk-${g.alnum(20)}T3BlbkFJ${g.alnum(20)}`] },
  { kind: 'openshift-user-token', make: (g) => `sha256~${g.b64url(43)}` },
  { kind: 'perplexity-api-key', make: (g) => `pplx-${g.alnum(48)}` },
  { kind: 'planetscale-api-token', make: (g) => `pscale_tkn_${g.alnum(43)}` },
  { kind: 'planetscale-oauth-token', make: (g) => `pscale_oauth_${g.alnum(43)}` },
  { kind: 'planetscale-password', make: (g) => `pscale_pw_${g.alnum(43)}` },
  { kind: 'postman-api-token', make: (g) => `PMAK-${g.hex(24)}-${g.hex(34)}` },
  { kind: 'prefect-api-token', make: (g) => `pnu_${g.alnum(36)}` },
  { kind: 'pulumi-api-token', make: (g) => `pul-${g.hex(40)}` },
  { kind: 'pypi-upload-token', make: (g) => `pypi-AgEIcHlwaS5vcmc${g.b64url(70)}` },
  { kind: 'readme-api-token', make: (g) => `rdme_${g.lownum(70)}` },
  { kind: 'rubygems-api-token', make: (g) => `rubygems_${g.hex(48)}` },
  { kind: 'scalingo-api-token', make: (g) => `tk-us-${g.b64url(48)}` },
  { kind: 'sendgrid-api-token', make: (g) => `SG.${g.b64url(22)}.${g.b64url(43)}` },
  { kind: 'sendinblue-api-token', make: (g) => `xkeysib-${g.hex(64)}-${g.alnum(16)}` },
  { kind: 'sentry-user-token', make: (g) => `sntryu_${g.hex(64)}` },
  { kind: 'sentry-org-token', make: (g) => `sntrys_eyJpYXQiO${g.alnum(40)}LCJyZWdpb25fdXJs${g.alnum(40)}_${g.alnum(43)}` },
  { kind: 'settlemint-personal-access-token', make: (g) => `sm_pat_${g.alnum(16)}` },
  { kind: 'settlemint-application-access-token', make: (g) => `sm_aat_${g.alnum(16)}` },
  { kind: 'shippo-api-token', make: (g) => `shippo_live_${g.hex(40)}` },
  { kind: 'shopify-access-token', make: (g) => `shpat_${g.hex(32)}` },
  { kind: 'shopify-shared-secret', make: (g) => `shpss_${g.hex(32)}` },
  { kind: 'shopify-custom-access-token', make: (g) => `shpca_${g.hex(32)}` },
  { kind: 'slack-bot-token', make: (g) => `xoxb-${g.digits(11)}-${g.digits(13)}-${g.alnum(24)}` },
  { kind: 'slack-user-token', make: (g) => `xoxp-${g.digits(11)}-${g.digits(12)}-${g.digits(13)}-${g.hex(32)}` },
  { kind: 'slack-app-token', make: (g) => `xapp-1-A${g.upnum(10)}-${g.digits(13)}-${g.hex(64)}` },
  { kind: 'slack-config-refresh-token', make: (g) => `xoxe-1-${g.upnum(146)}` },
  { kind: 'slack-legacy-workspace-token', make: (g) => `xoxa-2-${g.alnum(40)}` },
  { kind: 'slack-webhook-url', make: (g) => `T${g.upnum(8)}/B${g.upnum(10)}/${g.alnum(24)}`, contexts: [(v) => `curl -X POST https://hooks.slack.com/services/${v} -d @msg.json`, (v) => `SLACK_WEBHOOK=https://hooks.slack.com/services/${v}`] },
  { kind: 'sourcegraph-access-token', make: (g) => `sgp_${g.hex(16)}_${g.hex(40)}` },
  { kind: 'square-access-token', make: (g) => `sq0atp-${g.b64url(22)}` },
  { kind: 'stripe-access-token', make: (g) => `sk_live_${g.alnum(24 + Math.floor(g.r() * 60))}`, contexts: [(v) => `stripe.api_key = "${v}"`, (v) => `STRIPE_SECRET_KEY=${v.replace('sk_', 'rk_')}`, (v) => `test key ${v.replace('_live_', '_test_')} in CI`] },
  { kind: 'stripe-webhook-secret', make: (g) => `whsec_${g.alnum(32)}` },
  { kind: 'twilio-api-key', make: (g) => `SK${g.hex(32)}` },
  { kind: 'vault-service-token', make: (g) => `hvs.${g.b64url(100)}` },
  { kind: 'vault-batch-token', make: (g) => `hvb.${g.b64url(150)}` },
  { kind: 'jwt', make: (g) => `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: g.digits(10), name: g.pick(LOWER, 8), iat: 1700000000 + Math.floor(g.r() * 1e6) })).toString('base64url')}.${g.b64url(43)}` },
  { kind: 'telegram-bot-token', make: (g) => `${g.digits(10)}:AA${g.b64url(33)}` },
  { kind: 'microsoft-teams-webhook', make: (g) => `https://acme.webhook.office.com/webhookb2/${g.uuid()}@${g.uuid()}/IncomingWebhook/${g.hex(32)}/${g.uuid()}`, contexts: [(v) => `TEAMS_WEBHOOK=${v}`, (v) => `posting to ${v} failed`] },
  // gitleaks' rules that need the service's name next to the value.
  { kind: 'adafruit-api-key', name: 'adafruit_key', make: (g) => g.b64url(32).toLowerCase() },
  { kind: 'adobe-client-id', name: 'adobe_client_id', make: (g) => g.hex(32) },
  { kind: 'airtable-api-key', name: 'airtable_api_key', make: (g) => g.lownum(17) },
  { kind: 'algolia-api-key', name: 'algolia_api_key', make: (g) => g.lownum(32) },
  { kind: 'alibaba-secret-key', name: 'alibaba_secret', make: (g) => g.lownum(30) },
  { kind: 'asana-client-secret', name: 'asana_client_secret', make: (g) => g.lownum(32) },
  { kind: 'beamer-api-token', name: 'beamer_api_token', make: (g) => `b_${g.b64url(44).toLowerCase()}` },
  { kind: 'bitbucket-client-secret', name: 'bitbucket_secret', make: (g) => g.b64url(64).toLowerCase() },
  { kind: 'bittrex-access-key', name: 'bittrex_key', make: (g) => g.lownum(32) },
  { kind: 'cisco-meraki-api-key', name: 'MERAKI_API_KEY', make: (g) => g.hex(40) },
  { kind: 'cloudflare-api-key', name: 'cloudflare_api_key', make: (g) => g.b64url(40).toLowerCase() },
  { kind: 'cloudflare-global-api-key', name: 'cloudflare_global_key', make: (g) => g.hex(37) },
  { kind: 'codecov-access-token', name: 'codecov_token', make: (g) => g.lownum(32) },
  { kind: 'cohere-api-token', name: 'CO_API_KEY', make: (g) => g.alnum(40) },
  { kind: 'coinbase-access-token', name: 'coinbase_token', make: (g) => g.b64url(64).toLowerCase() },
  { kind: 'confluent-secret-key', name: 'confluent_secret', make: (g) => g.lownum(64) },
  { kind: 'contentful-delivery-api-token', name: 'contentful_token', make: (g) => g.b64url(43).toLowerCase() },
  { kind: 'datadog-access-token', name: 'datadog_api_key', make: (g) => g.lownum(40) },
  { kind: 'defined-networking-api-token', name: 'dnkey', make: (g) => `dnkey-${g.lownum(26)}-${g.lownum(52)}` },
  { kind: 'discord-api-token', name: 'discord_token', make: (g) => g.hex(64) },
  { kind: 'discord-client-secret', name: 'discord_client_secret', make: (g) => g.b64url(32).toLowerCase() },
  { kind: 'droneci-access-token', name: 'droneci_token', make: (g) => g.lownum(32) },
  { kind: 'dropbox-api-token', name: 'dropbox_api_secret', make: (g) => g.lownum(15) },
  { kind: 'dropbox-long-lived-api-token', name: 'dropbox_token', make: (g) => `${g.lownum(11)}AAAAAAAAAA${g.b64url(43).toLowerCase()}` },
  { kind: 'dropbox-short-lived-api-token', name: 'dropbox_token', make: (g) => `sl.${g.b64url(135).toLowerCase()}` },
  { kind: 'etsy-access-token', name: 'ETSY_TOKEN', make: (g) => g.lownum(24) },
  { kind: 'facebook-secret', name: 'facebook_app_secret', make: (g) => g.hex(32) },
  { kind: 'fastly-api-token', name: 'fastly_api_token', make: (g) => g.b64url(32).toLowerCase() },
  { kind: 'finicity-client-secret', name: 'finicity_client_secret', make: (g) => g.lownum(20) },
  { kind: 'finnhub-access-token', name: 'finnhub_token', make: (g) => g.lownum(20) },
  { kind: 'flickr-access-token', name: 'flickr_token', make: (g) => g.lownum(32) },
  { kind: 'freshbooks-access-token', name: 'freshbooks_token', make: (g) => g.lownum(64) },
  { kind: 'gitter-access-token', name: 'gitter_token', make: (g) => g.b64url(40).toLowerCase() },
  { kind: 'gocardless-api-token', name: 'gocardless_token', make: (g) => `live_${g.b64url(40)}` },
  { kind: 'heroku-api-key', name: 'HEROKU_API_KEY', make: (g) => g.uuid() },
  { kind: 'hubspot-api-key', name: 'hubspot_api_key', make: (g) => g.uuid().toUpperCase() },
  { kind: 'intercom-api-key', name: 'intercom_token', make: (g) => g.b64url(60).toLowerCase() },
  { kind: 'jfrog-api-key', name: 'artifactory_api_key', make: (g) => g.lownum(73) },
  { kind: 'kraken-access-token', name: 'kraken_key', make: (g) => g.mixed(`${LOWNUM}/=_+-`, 85) },
  { kind: 'kucoin-access-token', name: 'kucoin_key', make: (g) => g.hex(24) },
  { kind: 'launchdarkly-access-token', name: 'launchdarkly_sdk_key', make: (g) => g.b64url(40).toLowerCase() },
  { kind: 'linear-client-secret', name: 'linear_client_secret', make: (g) => g.hex(32) },
  { kind: 'linkedin-client-secret', name: 'linkedin_client_secret', make: (g) => g.lownum(16) },
  { kind: 'lob-api-key', name: 'lob_api_key', make: (g) => `live_${g.hex(35)}` },
  { kind: 'mailchimp-api-key', name: 'mailchimp_api_key', make: (g) => `${g.hex(32)}-us${g.digits(2)}` },
  { kind: 'mailgun-private-api-token', name: 'mailgun_api_key', make: (g) => `key-${g.hex(32)}` },
  { kind: 'mapbox-api-token', name: 'mapbox_token', make: (g) => `pk.${g.lownum(60)}.${g.lownum(22)}` },
  { kind: 'mattermost-access-token', name: 'mattermost_token', make: (g) => g.lownum(26) },
  { kind: 'messagebird-api-token', name: 'messagebird_api_key', make: (g) => g.lownum(25) },
  { kind: 'netlify-access-token', name: 'netlify_auth_token', make: (g) => g.b64url(43).toLowerCase() },
  { kind: 'new-relic-user-api-key', name: 'new_relic_api_key', make: (g) => `NRAK-${g.upnum(27)}` },
  { kind: 'new-relic-insert-key', name: 'newrelic_insert_key', make: (g) => `NRII-${g.b64url(32).replace(/_/g, '-')}` },
  { kind: 'nytimes-access-token', name: 'nytimes_api_key', make: (g) => g.b64url(32).toLowerCase() },
  { kind: 'okta-access-token', name: 'OKTA_API_TOKEN', make: (g) => `00${g.b64url(40)}` },
  { kind: 'plaid-secret-key', name: 'plaid_secret', make: (g) => g.lownum(30) },
  { kind: 'plaid-api-token', name: 'plaid_access_token', make: (g) => `access-sandbox-${g.uuid()}` },
  { kind: 'privateai-api-token', name: 'private_ai_key', make: (g) => g.lownum(32) },
  { kind: 'rapidapi-access-token', name: 'rapidapi_key', make: (g) => g.b64url(50).toLowerCase() },
  { kind: 'sendbird-access-token', name: 'sendbird_api_token', make: (g) => g.hex(40) },
  { kind: 'sentry-access-token', name: 'sentry_auth_token', make: (g) => g.hex(64) },
  { kind: 'snyk-api-token', name: 'snyk_token', make: (g) => g.uuid() },
  { kind: 'sonar-api-token', name: 'sonar_token', make: (g) => g.b64url(40).toLowerCase() },
  { kind: 'squarespace-access-token', name: 'squarespace_api_key', make: (g) => g.uuid() },
  { kind: 'sumologic-access-token', name: 'SUMO_ACCESS_KEY', make: (g) => g.lownum(64) },
  { kind: 'travisci-access-token', name: 'travis_token', make: (g) => g.lownum(22) },
  { kind: 'twitch-api-token', name: 'twitch_client_secret', make: (g) => g.lownum(30) },
  { kind: 'twitter-api-secret', name: 'twitter_consumer_secret', make: (g) => g.lownum(50) },
  { kind: 'twitter-access-secret', name: 'twitter_access_secret', make: (g) => g.lownum(45) },
  { kind: 'twitter-bearer-token', name: 'twitter_bearer_token', make: (g) => `${'A'.repeat(22)}${g.alnum(90)}` },
  { kind: 'typeform-api-token', name: 'typeform_token', make: (g) => `tfp_${g.b64url(59).toLowerCase()}` },
  { kind: 'yandex-api-key', name: 'yandex_api_key', make: (g) => `AQVN${g.b64url(36)}` },
  { kind: 'yandex-aws-access-token', name: 'yandex_key_id', make: (g) => `YC${g.b64url(38)}` },
  { kind: 'zendesk-secret-key', name: 'zendesk_api_token', make: (g) => g.lownum(40) },
  { kind: 'sidekiq-secret', name: 'BUNDLE_ENTERPRISE__CONTRIBSYS__COM', make: (g) => `${g.hex(8)}:${g.hex(8)}` },
  // Rules of git-ctx's own: cloud keys given by name, URLs, connection strings, headers, commands.
  { kind: 'aws-secret-access-key', make: (g) => g.b64(40), contexts: [(v) => `aws_secret_access_key = ${v}`, (v) => `AWS_SECRET_ACCESS_KEY=${v}`, (v) => `{"SecretAccessKey": "${v}"}`] },
  { kind: 'aws-session-token', make: (g) => `IQo${g.b64(300)}`, contexts: [(v) => `aws_session_token=${v}`, (v) => `AWS_SESSION_TOKEN="${v}"`] },
  { kind: 'azure-storage-key', make: (g) => `${g.b64(86)}==`, contexts: [(v, g) => `DefaultEndpointsProtocol=https;AccountName=acct${g.digits(2)};AccountKey=${v};EndpointSuffix=core.windows.net`, (v) => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${v}`] },
  { kind: 'azure-sas-token', make: (g) => `${g.alnum(20)}%2B${g.alnum(20)}%3D`, contexts: [(v) => `https://acct.blob.core.windows.net/c/f.zip?sv=2022-11-02&se=2026-12-01&sp=r&sig=${v}`, (v) => `AZURE_SAS="?sv=2022-11-02&ss=b&srt=sco&sp=rl&sig=${v}"`] },
  { kind: 'npm-auth-token', make: (g) => g.uuid(), contexts: [(v) => `//npm.example.com/:_authToken=${v}`, (v) => `_auth = ${Buffer.from(`ci:${v}`).toString('base64')}`] },
  { kind: 'url-credentials', make: (g) => g.password().replace(/[#%^&*]/g, '_'), contexts: ['postgres://app:P@db.internal:5432/main', 'mysql://root:P@127.0.0.1:3306/x', 'https://deploy:P@git.example.com/r.git', 'redis://:P@cache:6379/0', 'amqp://guest:P@mq/vhost'].map((u) => (v: string) => `connecting to ${u.replace(':P@', `:${v}@`)} ...`) },
  { kind: 'connection-string-password', make: (g) => g.password(), contexts: [(v) => `"ConnectionStrings": {"Main": "Server=tcp:db,1433;Database=app;User Id=sa;Password=${v};"}`, (v) => `Driver={ODBC Driver 18};Server=db;Uid=app;Pwd=${v};`] },
  {
    kind: 'authorization-header',
    make: (g) => g.alnum(40),
    contexts: [
      (v) => `> GET /v1/items HTTP/1.1\n> Authorization: Bearer ${v}\n> Accept: */*`,
      (v) => `headers = {"Authorization": "token ${v}"}`,
      (_v, g) => `curl -H "Authorization: Basic ${Buffer.from(`deploy:${g.password()}`).toString('base64')}" https://ci.example.com/api`,
      (v) => `Authorization: ${v}`,
    ],
  },
  { kind: 'curl-auth-user', make: (g) => g.password(), contexts: [(v) => `curl -u admin:${v} https://ci.example.com/api/json`, (v) => `curl --user "deploy:${v}" -X POST https://registry.example.com/upload`] },
  { kind: 'cli-password', make: (g) => g.password(), contexts: [(v) => `mysqldump --user=root --password=${v} app > dump.sql`, (v) => `docker login --username ci --password ${v} registry.example.com`] },
  {
    kind: 'generic-secret',
    make: (g) => g.password(),
    contexts: [
      (v) => `DB_PASSWORD=${v}`,
      (v) => `"client_secret": "${v}"`,
      (v) => `const apiKey = '${v}';`,
      (_v, g) => `SECRET_KEY=django-insecure-${g.mixed(`${LOWNUM}!@#%^&*-_=+`, 50)}`,
      (_v, g) => `production:\n  secret_key_base: ${g.hex(128)}`,
      (_v, g) => `export SERVICE_TOKEN=${g.alnum(32)}`,
      (v) => `  password = "${v}"`,
      (_v, g) => `spring.datasource.password=${g.password()}`,
      (_v, g) => `ENCRYPTION_KEY="${g.b64(44)}"`,
      (_v, g) => `x-api-key: ${g.alnum(32)}`,
    ],
  },
  { kind: 'kubernetes-secret-yaml', make: (g) => g.b64(32), contexts: [(v) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: ${v}\n`, (v) => `data:\n  tls.key: ${v}\nkind: Secret\ntype: kubernetes.io/tls\n`] },
  { kind: 'nuget-config-password', make: (g) => g.password(), contexts: [(v) => `<packageSourceCredentials><feed><add key="Username" value="ci" /><add key="${'ClearText'}Password" value="${v}" /></feed></packageSourceCredentials>`, (v) => `<add key="${'Pass'}word" value="${v}" />`] },
];

/** The secret values a text holds that must be gone: the value itself, or what a context made of it. */
function valuesOf(kind: string, text: string, v: string): string[] {
  if (text.includes(v)) return [v];
  // Contexts that derive the value (rk_/ASIA/_test_ variants, base64 forms, fresh passwords): the
  // secret is the last long run of secret characters in the text.
  const runs = text.match(/[A-Za-z0-9+/=_~.!#%^&*@:-]{16,}/g) ?? [];
  const last = runs.filter((r) => !/^(?:https?:|Authorization|--)/.test(r)).pop();
  if (!last) throw new Error(`${kind}: no value in ${text}`);
  return [last.replace(/^[^:]*:(?=\S{8,}$)/, '').replace(/^(?:django-insecure-)/, '')];
}

export function makeSamples(seed = 1): SecretSample[] {
  const g = new Gen(rng(seed));
  const out: SecretSample[] = [];
  for (const f of FORMATS) {
    const contexts = f.contexts ?? (f.name ? assignments(f.name).slice(0, 2) : TOKEN_CONTEXTS);
    for (const c of contexts) {
      const v = f.make(g);
      const text = c(v, g);
      out.push({ kind: f.kind, text, values: valuesOf(f.kind, text, v) });
    }
  }
  return out;
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
    'cache_key: node-modules-v2',
    'primary_key: id',
    'key: ${{ runner.os }}-node-${{ hashFiles(\'**/package-lock.json\') }}',
    'See https://github.com/org/repo.git, git@github.com:org/repo.git and ssh://git@host:22/repo',
    'postgres://localhost:5432/app and http://user@host/ and postgres://app:${DB_PASSWORD}@db/app and mysql://root:<password>@localhost',
    'docker run -u 1000:1000 --rm image; ssh -p 2222 host',
    '@@ -1,4 +1,5 @@\n-  const a = 1;\n+  const a = 2;',
    'arn:aws:iam::123456789012:role/deploy',
    // Git SHAs, UUIDs and hashes in logs
    'commit 3f2c9a1b4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b',
    'Merge: a1b2c3d e4f5a6b\nindex 83db48f..bf269f4 100644',
    'fixed in 9fceb02 (and 5e28df337746db4f070c84f7069d365bfd0d72a8)',
    '2b5c8f9e1d7a4c3b6e0f9a8d7c6b5a4f3e2d1c0b refs/heads/main\nHEAD is now at 7d3f0a2 fix the parser',
    'request_id=550e8400-e29b-41d4-a716-446655440000 trace=7d3f0a2c-1b4e-4f5d-9c8b-0a1b2c3d4e5f',
    '{"id": "123e4567-e89b-12d3-a456-426614174000", "session": "9b2f6c1e-3d4a-4f5b-8c7d-6e5f4a3b2c1d"}',
    'Digest: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'build 2026-11-21T10:00:00.000Z sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709 size=1234',
    // Lock files: npm integrity, yarn.lock, Cargo.lock, pnpm, Go sums
    '"node_modules/esbuild": {\n  "version": "0.28.2",\n  "resolved": "https://registry.npmjs.org/esbuild/-/esbuild-0.28.2.tgz",\n  "integrity": "sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==",\n  "license": "MIT"\n}',
    'commander@^14.0.3:\n  version "14.0.3"\n  resolved "https://registry.yarnpkg.com/commander/-/commander-14.0.3.tgz#425d79b48f9af82fcd9e4fc1ea8af6c5ec07bbc2"\n  integrity sha512-H+y0Jo/T1RZ9qPP4Eh1pkcQcLRglraJaSLoyOtHxu6AapkjWVCy2Sit1QQ4x3Dng8qDlSKZEGLQvFVnHa6wOWA==',
    '"commander@npm:^14.0.3":\n  version: 14.0.3\n  resolution: "commander@npm:14.0.3"\n  checksum: 10c0/1b3f9d2e4a6c8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7',
    '[[package]]\nname = "serde"\nversion = "1.0.210"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "c8e3592472072e6e22e0a54d5904d9febf8508f65fb8552499a1abc7d1078c3a"',
    '  /esbuild@0.28.2:\n    resolution: {integrity: sha512-H+y0Jo/T1RZ9qPP4Eh1pkcQcLRglraJaSLoyOtHxu6AapkjWVCy2Sit1QQ4x3Dng8qDlSKZEGLQvFVnHa6wOWA==}',
    'github.com/stretchr/testify v1.9.0 h1:HtqpIVDClZ4nwg75+f6Lvsy/wHu+3BoSGCbBAcpTsTg=\ngolang.org/x/sys v0.25.0/go.mod h1:/VUhepiaJMQUp4+oa/7Zr1D23ma6VTLIYjOOTFZPUcA=',
    // Base64 test data and images
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/',
    'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
    'const fixture = Buffer.from("SGVsbG8sIHdvcmxkISBUaGlzIGlzIGEgdGVzdCBmaXh0dXJlIGZvciB0aGUgcGFyc2VyLg==", "base64");',
    'expect(encode(input)).toBe("dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw");',
    // Versions, addresses, numbers
    'node v20.20.2, npm 11.19.1, git 2.39.5; fe80::1ff:fe23:4567:890a; 00:1A:2B:3C:4D:5E',
    'SKU1234 and ASKED and the DESK; AKIA is a prefix, not a key',
    // Our own entry ids
    ...ids.map((id) => `id: ${id}\nCtx-Id: ${id}\nsupersedes ${id}`),
  ];
}

/** Random commit SHAs, UUIDs, integrity hashes and base64 blobs, many of each, for a false-positive count. */
export function falsePositiveBulk(seed = 1, n = 200): string[] {
  const g = new Gen(rng(seed));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sha = g.pick(HEX, 40);
    const bytes = Buffer.from(Array.from({ length: 64 }, () => Math.floor(g.r() * 256)));
    out.push(
      `commit ${sha}\nAuthor: Dev <dev@example.com>\n\n    fix ${sha.slice(0, 7)}`,
      `request_id=${g.uuid()} span=${g.pick(HEX, 16)}`,
      `"integrity": "sha512-${bytes.toString('base64')}"`,
      `  integrity sha1-${bytes.subarray(0, 20).toString('base64')}`,
      `checksum = "${g.pick(HEX, 64)}"`,
      `fixture: "${Buffer.from(Array.from({ length: 48 }, () => Math.floor(g.r() * 256))).toString('base64')}"`,
    );
  }
  return out;
}
