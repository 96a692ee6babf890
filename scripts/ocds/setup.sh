#!/usr/bin/env bash
# Installs the OCDS validator into target/ocds-venv and lays out the OCDS 1.1.5 schema it
# validates against, as target/ocds-standard/standard.zip — offline afterwards.
#
# lib-cove-ocds ships no schema: by default it downloads the standard from GitHub. Only
# package registries are reachable here, so the schema files are taken at install time
# from the source distributions of two OCP packages on PyPI that carry them as test
# fixtures (pinned versions, each file checked by its "id" and SHA-256):
#   ocdsextensionregistry 0.7.0: release-schema.json, versioned-release-validation-schema.json
#   ocdskit 1.7.0:               release-package-schema.json
# No PyPI package ships the codelist CSVs. The closed codelists are written from the
# schema's own "enum"s (what the schema enforces anyway); open codelists are left out, so
# the tool's informational "additional codes in open codelists" check does not run.
# Nothing of this is committed: it lives under target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/ocds-venv
STD=target/ocds-standard
PY="${PYTHON:-python3}"

if ! "$VENV/bin/python" -c 'import libcoveocds' 2>/dev/null || ! cmp -s scripts/ocds/requirements.txt "$VENV/.requirements"; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/ocds/requirements.txt
  cp scripts/ocds/requirements.txt "$VENV/.requirements"
fi

if [ ! -f "$STD/standard.zip" ] || [ scripts/ocds/setup.sh -nt "$STD/standard.zip" ]; then
  rm -rf "$STD" && mkdir -p "$STD/sdist"
  "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: --no-build-isolation \
    -d "$STD/sdist" ocdsextensionregistry==0.7.0 ocdskit==1.7.0 2>/dev/null \
  || "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$STD/sdist" ocdsextensionregistry==0.7.0 ocdskit==1.7.0
  "$VENV/bin/python" - "$STD" <<'PY'
import csv, hashlib, io, json, sys, tarfile, zipfile
std = sys.argv[1]
base = "https://standard.open-contracting.org/schema/1__1__5/"
wanted = {  # name: (sdist, member, sha256)
    "release-schema.json": ("ocdsextensionregistry-0.7.0", "tests/fixtures/release-schema.json",
                            "bf18280598c08c9889051a61e1cd39af8e1aebbfb9c260c31be155604026a149"),
    "versioned-release-validation-schema.json": ("ocdsextensionregistry-0.7.0",
                            "tests/fixtures/versioned-release-validation-schema.json", "6d7f759765ac3ebc0059f9aa5d385b8ba54db6834c12a8fd2972c9ed029bdc2a"),
    "release-package-schema.json": ("ocdskit-1.7.0", "tests/fixtures/release-package-schema.json", "44a9d8d66001af8e44112b45f5cc7923ee2f40f4790e816f90af1782c5885ee5"),
}
files = {}
for name, (dist, member, sha) in wanted.items():
    with tarfile.open(f"{std}/sdist/{dist}.tar.gz") as t:
        data = t.extractfile(f"{dist}/{member}").read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        sys.exit(f"{dist}/{member}: sha256 {got}, expected {sha}")
    if json.loads(data).get("id") != base + name:
        sys.exit(f"{dist}/{member}: not the OCDS 1.1.5 {name}")
    files[name] = data

# Closed codelists, from the schema's enums.
codelists = {}
def walk(node):
    if isinstance(node, dict):
        cl, enum = node.get("codelist"), node.get("enum") or (node.get("items") or {}).get("enum")
        if cl and node.get("openCodelist") is False and enum:
            codelists.setdefault(cl, [c for c in enum if c is not None])
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(json.loads(files["release-schema.json"]))
with zipfile.ZipFile(f"{std}/standard.zip", "w") as z:
    z.writestr("standard-1__1__5/", "")
    for name, data in files.items():
        z.writestr(f"standard-1__1__5/schema/{name}", data)
    for name, codes in sorted(codelists.items()):
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["Code"])
        w.writerows([c] for c in codes)
        z.writestr(f"standard-1__1__5/schema/codelists/{name}", out.getvalue())
print(f"OCDS 1.1.5 schema and {len(codelists)} closed codelists in {std}/standard.zip")
PY
fi
