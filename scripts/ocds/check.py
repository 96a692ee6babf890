"""Validate an OCDS release package with lib-cove-ocds, offline, and fail on any problem.

Usage: check.py PACKAGE.json STANDARD.zip

Fails (exit 1, printing the tool's messages) on:
- a schema validation error (against OCDS 1.1.5 patched with the package's extensions);
- an extension the tool could not read or apply (so the schema would not be extended);
- a field that neither OCDS nor a named extension declares, except the package-level
  `links` (API pagination, declared by no 1.1 schema).
"""

import json
import sys
import tempfile

from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

ALLOWED_UNDECLARED = {("", "links"), ("/links", "next")}

package, standard_zip = sys.argv[1], sys.argv[2]
config = LibCoveOCDSConfig()
config.config.update({"context": "api", "standard_zip": f"file://{standard_zip}", "additional_checks": "none"})
with tempfile.TemporaryDirectory() as out:
    result = ocds_json_output(out, package, None, lib_cove_ocds_config=config)

problems = []
for e in result.get("validation_errors", []):
    where = ", ".join(v.get("path", "") for v in e.get("values", [])[:5]) or e.get("path", "")
    problems.append(f"schema: {e.get('description')} [{e.get('type')}] at {e.get('field') or e.get('path')} {where}")
ext = result.get("extensions") or {}
named = json.load(open(package)).get("extensions") or []
if named:
    if not ext.get("is_extended_schema"):
        problems.append(f"extension: the schema was not extended by {named}")
    for url, why in (ext.get("invalid_extension") or {}).items():
        problems.append(f"extension: {url}: {why}")
for f in result.get("additional_fields", []):
    if (f["path"], f["field"]) not in ALLOWED_UNDECLARED:
        problems.append(f"undeclared field: {f['path']}/{f['field']} ({f['usage_count']}×)")

print(f"lib-cove-ocds: OCDS {result.get('version_used')}, {result.get('count')} releases, "
      f"extensions applied: {[e.get('url') or e for e in (ext.get('extensions') or [])] if ext else []}")
for p in problems:
    print("  " + p)
if problems:
    print(f"FAILED: {len(problems)} problem(s)")
    sys.exit(1)
print("OK: the release package is valid OCDS")
