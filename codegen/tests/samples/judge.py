"""The independent half of the sample test (codegen/tests/common/samples.rs): a JSON Schema
validator that is not ours judges the values our sampler draws, and the values the generated
types give back.

    judge.py validate REQUEST OUT   which drawn values are valid against their schema
    judge.py compare REQUEST OUT    whether each value came back equal to the one sent

REQUEST is a JSON file: {"specs": [{"path": ..., "targets": [{"pointer": ..., "values": [...],
"returned": [...]}]}]}. `returned` (compare only) holds, per value, the re-encoded text or
null when the type refused it. OUT gets one list per spec, one list per target, one entry per
value: null when it passes, else why not.

Validation is openapi-schema-validator's (OAS 3.0's dialect, `nullable` included, or 3.1's),
formats checked; `$ref`s resolve against the whole document. Comparison is Python's equality
on the parsed JSON: key order is free, integers are exact at any size, 5 equals 5.0, and a
float must come back as the same double.
"""

import json
import sys
import urllib.parse

import openapi_schema_validator as oas
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

BASE = "urn:sample-test:document"


def load(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def validators(document):
    version = str(document.get("openapi", "3.0"))
    if version.startswith("3.0"):
        cls, spec, formats = oas.OAS30Validator, DRAFT4, oas.oas30_format_checker
    else:
        cls, spec, formats = oas.OAS31Validator, DRAFT202012, oas.oas31_format_checker
    registry = Registry().with_resource(BASE, Resource(contents=document, specification=spec))

    def make(pointer):
        fragment = urllib.parse.quote(pointer, safe="/~")
        return cls({"$ref": BASE + "#" + fragment}, registry=registry, format_checker=formats)

    return make


def validate(request):
    out = []
    for spec in request["specs"]:
        make = validators(load(spec["path"]))
        verdicts = []
        for target in spec["targets"]:
            try:
                validator = make(target["pointer"])
                row = []
                for value in target["values"]:
                    error = next(iter(validator.iter_errors(value)), None)
                    row.append(None if error is None else short(error.message))
            except Exception as error:  # an unresolvable schema: no value counts as valid
                row = ["the validator cannot read the schema: " + short(str(error))] * len(
                    target["values"]
                )
            verdicts.append(row)
        out.append(verdicts)
    return out


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def compare(request):
    out = []
    for spec in request["specs"]:
        verdicts = []
        for target in spec["targets"]:
            row = []
            for value, returned in zip(target["values"], target["returned"]):
                if not returned["ok"]:
                    row.append("refused: " + short(returned["text"]))
                    continue
                back = json.loads(returned["text"])
                row.append(None if same(value, back) else "came back as " + short(returned["text"]))
            verdicts.append(row)
        out.append(verdicts)
    return out


def short(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def main():
    mode, request_path, out_path = sys.argv[1:4]
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    result = validate(request) if mode == "validate" else compare(request)
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
