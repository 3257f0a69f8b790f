"""No credential in the repository (issue 7, item 5): every file git tracks is scanned for private keys, cloud and
chat token shapes, URLs carrying a password, and passwords written into code or configuration. Only explicit
placeholders pass (`change-me`, `change-me-admin-password`, `<token>`, `${VAR}`, `{{ env_var(...) }}`,
`{password}`); a test that needs a password makes one up at run time or writes a placeholder. A finding is reported
by file, line and rule with the secret cut short, so the test's own output leaks nothing.

The planted examples below are assembled from pieces at run time, so this file holds no credential-shaped text
itself and the scan of the repository does not find them here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Values that are explicitly not secrets: documentation placeholders (`user:password@host`, `change-me`, `<token>`)
# and references to where the secret lives (`${VAR}`, `{{ env_var(...) }}`, an f-string's `{password}`).
PLACEHOLDER = re.compile(
    r"""^(?:
        change-?me(?:-[a-z0-9-]*)? | password | secret | placeholder | redacted | none | null | true | false
      | x{3,} | \*{3,} | \.{3} | …
      | <[^<>]*> | \$\{[^}]*\}? | \$[A-Z_][A-Z0-9_]* | \{\{.*\}\}? | \{[^{}]*\} | %\([a-z_]+\)s | %s
    )$""", re.I | re.X)
CONFIG_SUFFIXES = {".env", ".example", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".toml", ".properties", ".json"}
PASSWORD_NAME = r"[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret_key|secret_access_key|client_secret|api_key|apikey)"

# (rule, pattern, group holding the secret or 0 for the whole match)
SHAPES = [
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"), 0),
    ("AWS access key id",
     re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])"), 0),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"), 0),
    ("Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}"), 0),
    ("Slack webhook", re.compile(r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+"), 0),
    ("Google API key", re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}"), 0),
    ("Stripe key", re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[0-9A-Za-z]{16,}"), 0),
]
# scheme://user:password@host — the password group is checked against PLACEHOLDER
URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]+:([^\s/@'\"]+)@")
# password = "<text>" (any file) and password = <value> (configuration files: unquoted values are literals there)
QUOTED_ASSIGNMENT = re.compile(rf"""(?i)\b{PASSWORD_NAME}["']?\s*[:=]\s*(["'])(.*?)\1""")
BARE_ASSIGNMENT = re.compile(rf"""(?i)^\s*(?:export\s+)?{PASSWORD_NAME}\s*[:=]\s*([^\s"'#,;]+)""")
CLI_OPTION = re.compile(r"""--[a-z-]*password[= ]+(["']?)([^\s"']+)\1""")


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(PLACEHOLDER.match(value.strip()))


def shown(secret: str) -> str:
    return secret[:4] + "…" if len(secret) > 4 else "…"


def findings(name: str, text: str) -> list[str]:
    """Every credential in `text` (file `name`), as 'name:line: rule (start of the secret…)'."""
    config = Path(name).suffix in CONFIG_SUFFIXES or Path(name).name.startswith(".env")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = [(rule, m.group(g)) for rule, pattern, g in SHAPES for m in pattern.finditer(line)]
        found += [("URL with a password", m[1]) for m in URL_WITH_PASSWORD.finditer(line) if not is_placeholder(m[1])]
        found += [("password in the text", m[2]) for m in QUOTED_ASSIGNMENT.finditer(line) if not is_placeholder(m[2])]
        found += [("password on the command line", m[2]) for m in CLI_OPTION.finditer(line) if not is_placeholder(m[2])]
        if config:
            found += [("password in configuration", m[1]) for m in BARE_ASSIGNMENT.finditer(line)
                      if not is_placeholder(m[1])]
        out += [f"{name}:{number}: {rule} ({shown(secret)})" for rule, secret in found]
    return out


def tracked_files() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing is tracked")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in listed.decode("utf-8", "surrogateescape").split("\0") if p]


def test_no_credential_in_any_tracked_file():
    files = tracked_files()
    assert len(files) > 100 and "README.md" in files
    problems = []
    for name in files:
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            problems += findings(name, path.read_bytes().decode("utf-8", "replace"))
    assert not problems, "\n".join(problems)


# --- the scanner finds what it must, and only that ----------------------------------------------------------------
BEGIN, KEY, PW = "-----BEGIN ", " PRIVATE KEY-----", "pass" + "word"
PLANTED = {   # file name -> (text, the secret in it)
    "rsa.pem": (f"{BEGIN}RSA{KEY}\nMIIEowIBAAKCAQEA\n", f"{BEGIN}RSA{KEY}"),
    "id_ed25519": (f"{BEGIN}OPENSSH{KEY}\nb3BlbnNzaC1rZXktdjEAAAAA\n", f"{BEGIN}OPENSSH{KEY}"),
    "settings.py": ("AWS_KEY = '{}'\n", "AKIA" + "Q3EGRNXMB4TK7ZPW"),
    "ci.yml": ("token: {}\n", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    "notify.py": ("SLACK = '{}'\n", "xoxb-" + "123456789012-abcdefghijkl"),
    "hook.md": ("post to https://{}\n", "hooks.slack.com/services/" + "T0ABCDEF1/B0ABCDEF2/abcdefghijklmnopqrstuvwx"),
    "db.py": ('URL = "postgresql://airflow:{}@db:5432/airflow"\n', "Tr0ub4dor"),
    "conn.md": ("AIRFLOW_CONN_X='http://user:{}@example.org'\n", "hunter2"),
    "app.py": (f"{PW} = '{{}}'\n", "s3cr3t-Pa55"),
    "params.json": ('{{"api' + '_key": "{}"}}\n', "9f8e7d6c5b4a"),
    ".env": (f"POSTGRES_{PW.upper()}={{}}\n", "Winter2024!"),
    "compose.yaml": (f"    POSTGRES_{PW.upper()}: {{}}\n", "Winter2024"),
    "Makefile": (f"\tairflow users create --{PW} {{}}\n", "Adm1nPass"),
}
HARMLESS = {
    ".env.example": f"# copy to .env\nPOSTGRES_USER=airflow\nPOSTGRES_{PW.upper()}=change-me\n"
                    f"REDIS_{PW.upper()}=change-me-redis-{PW}\n",
    "docker-compose.yml": f"      POSTGRES_{PW.upper()}: ${{POSTGRES_{PW.upper()}:?set it in .env}}\n"
                          "    url: postgresql+psycopg2://${POSTGRES_USER}:" + "${POSTGRES_" + PW.upper()
                          + "}@postgres/x\n",
    "profiles.yml": f"      {PW}: \"{{{{ env_var('DBT_ENV_SECRET_PG_{PW.upper()}', '') }}}}\"\n",
    "README.md": f"{PW} = the bearer token the platform issued; `--conn-{PW} '<token>'`\n"
                 f'`AIRFLOW_CONN_X=\'{{"conn_type": "http", "{PW}": "<token>"}}\'`\n',
    "pg.py": f'return f"postgresql://{{user}}:{{{PW}}}@localhost:{{port}}/{{database}}"\n'
             f"token = hook.get_connection(conn_id).{PW}\n    {PW}: str\n",
    "test_x.py": f"{PW} = secrets.token_urlsafe(16)\n",
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_the_scanner_finds_a_planted_credential(name):
    text, secret = PLANTED[name]
    found = findings(name, text.format(secret) if "{}" in text else text)
    assert len(found) == 1 and found[0].startswith(f"{name}:1: "), found
    assert secret not in found[0]   # the report shows only the start of a secret


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_the_scanner_lets_placeholders_pass(name):
    assert findings(name, HARMLESS[name]) == []
