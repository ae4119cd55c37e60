#!/usr/bin/python3
"""Validate JSON response bodies against the OpenAPI 3.0 file's schemas.

test_api_openapi.sh calls every documented operation and lists what came back
(path, method, status, the body's file); this checks each JSON body against the
schema the spec gives for that response, whole: types, nullable, enum,
required, properties (additionalProperties where the spec restricts them),
items, oneOf/anyOf/allOf, minimum/maximum. The spec is redocly's dereferenced
bundle, so there is no $ref to follow. The OpenAPI 3.0 schema dialect (nullable,
no type arrays) is small enough to check here without python3-jsonschema.

usage: openapi_validate.py SPEC.json MANIFEST
MANIFEST: lines "PATH METHOD STATUS FILE". Prints one line per finding and
exits 1 if there is one; prints the count of bodies checked otherwise.
"""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def errors(v, s, where):
    """The findings of value v against schema s, as 'where: what' strings."""
    if v is None:
        return [] if s.get("nullable") else [f"{where}: null where the schema has no nullable"]
    out = []
    for sub in s.get("allOf", []):
        out += errors(v, sub, where)
    for key in ("oneOf", "anyOf"):
        if key in s:
            ok = [i for i, sub in enumerate(s[key]) if not errors(v, sub, where)]
            if not ok or (key == "oneOf" and len(ok) > 1):
                out.append(f"{where}: {json.dumps(v)[:80]} matches {len(ok)} of the {key} schemas")
    t = s.get("type")
    if t is not None and not TYPES[t](v):
        return out + [f"{where}: {json.dumps(v)[:80]} is not of type {t}"]
    if "enum" in s and v not in s["enum"]:
        out.append(f"{where}: {json.dumps(v)[:80]} not in {s['enum']}")
    if TYPES["number"](v):
        if "minimum" in s and v < s["minimum"]:
            out.append(f"{where}: {v} below the minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            out.append(f"{where}: {v} above the maximum {s['maximum']}")
    if isinstance(v, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v:
                out.append(f"{where}: required field {k} missing")
        extra = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                out += errors(x, props[k], f"{where}.{k}")
            elif extra is False:
                out.append(f"{where}: field {k} is not in the schema")
            elif isinstance(extra, dict):
                out += errors(x, extra, f"{where}.{k}")
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            out += errors(x, s["items"], f"{where}[{i}]")
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    bad, n = [], 0
    for line in open(sys.argv[2]):
        path, method, status, file = line.split()
        resp = spec["paths"][path][method]["responses"].get(status, {})
        schema = resp.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            bad.append(f"{method.upper()} {path} {status}: no JSON schema documented")
            continue
        body = json.load(open(file))
        bad += [f"{method.upper()} {path} {status}: {e}" for e in errors(body, schema, "$")]
        n += 1
    for b in bad:
        print(b)
    if bad:
        sys.exit(1)
    print(n)


if __name__ == "__main__":
    main()
