#!/usr/bin/env bash
# Rebuilds fuzz/corpus/<target>/ from the repository's fixtures and unit tests.
# Usage: fuzz/seed.sh   (from anywhere; existing seeds are kept, files are named by SHA-1)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 - "$here/.." "$here/corpus" <<'PY'
import hashlib, pathlib, re, sys

repo, corpus = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
fixtures = repo / "fixtures"
counts = {}

def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    counts[target] = counts.get(target, 0) + 1

def rust_literals(path):
    """Plain "..." string literals of a Rust file's unit tests (no escapes beyond \\" and \\\\)."""
    text = path.read_text()
    text = text[text.find("mod tests"):] if "mod tests" in text else text
    out = []
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        s = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
        if "\\" not in s:
            out.append(s)
    return out

yamls = sorted(p for p in fixtures.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))

# yaml_objects: every fixture file, as is (broken, binary and deep ones included).
for p in yamls:
    if p.name != ".dvmlint.yaml":
        seed("yaml_objects", p.read_bytes())

# pipeline: each fixture repository's manifests (at most 8), joined with 0xFF bytes.
for d in sorted(p for p in fixtures.iterdir() if p.is_dir()):
    files = [p for p in yamls if d in p.parents and p.name != ".dvmlint.yaml"
             and "policies" not in p.relative_to(d).parts]
    files = [p for p in files if p.stat().st_size < 65536][:8]
    if files:
        seed("pipeline", b"\xff".join(p.read_bytes() for p in files))

# config: every .dvmlint.yaml of the fixtures and examples.
for p in sorted(repo.rglob(".dvmlint.yaml")):
    if "target" not in p.relative_to(repo).parts and "fuzz" not in p.relative_to(repo).parts:
        seed("config", p.read_bytes())

# custom_rules: the custom-rule fixtures and the catalogue's own rule files.
for p in sorted((fixtures / "custom-rules").rglob("*.yaml")) + sorted((repo / "rules").glob("*.yaml")):
    if p.name != ".dvmlint.yaml":
        seed("custom_rules", p.read_bytes())

# noproxy / stunnel_url: values written in the fixtures and literals of the unit tests.
def values(key_re):
    out = []
    for p in yamls:
        for line in p.read_text(errors="replace").splitlines():
            m = re.match(r'\s*(?:' + key_re + r')\s*:\s*(.*?)\s*(?:#.*)?$', line)
            if m and m.group(1):
                out.append(m.group(1).strip('"\''))
    return out

lists = values("noProxy|no_proxy|NO_PROXY") + [
    s for f in ("noproxy.rs", "cno_validation.rs", "mod.rs")
    for s in rust_literals(repo / "src" / "proxy" / f) if s]
hosts = ["api.dst.example.com", "10.0.3.4", "192.168.1.5", "fe80::1%eth0", "[::1]",
         "console.apps.example.com", "localhost", "example.com", ""]
ports = ["443", "6443", "80", "3128", "0"]
for i, l in enumerate(dict.fromkeys(lists)):
    seed("noproxy", f"{l}\n{hosts[i % len(hosts)]}\n{ports[i % len(ports)]}")
    seed("noproxy", f"{l}\n{l.split(',')[0].strip()}\n{ports[(i + 1) % len(ports)]}")

urls = values("stunnel_tcp_proxy|httpProxy|httpsProxy|http_proxy|https_proxy|HTTPS_PROXY") + \
    rust_literals(repo / "src" / "proxy" / "stunnel_url.rs")
for u in dict.fromkeys(urls):
    seed("stunnel_url", u)

# Regressions: inputs that once crashed or misbehaved (docs/robustness.md, *Fuzzing*), kept as seeds.
deep = "{a," * 300 + "b" + "}" * 300
for text in (f'exclude: ["{deep}"]\n', f'per-file-ignores: {{"{deep}": [DVM402]}}\n',
             f'clusters: [{{name: a, paths: ["{deep}"]}}]\n', '"": 1\n', '~: 1\n', '[a]: 1\n'):
    seed("config", text)
seed("custom_rules", "id: ORG001\nname: deep\nseverity: warning\nsummary: s\n"
     f'match: {{ apiVersion: v1, kind: ConfigMap, name: "{deep}" }}\n'
     "assert:\n  - path: metadata.name\n    equals: x\n")
for url in ("http://USERTOKEN9a8b7c@proxy:3128", "http://dvm%3AENCPASS5x6y@proxy:3128",
            "docker://quay.io/org/image@sha256:ab12"):
    seed("stunnel_url", url)

for t, n in sorted(counts.items()):
    print(f"{t}: {n} seeds written to {corpus / t}")
PY
