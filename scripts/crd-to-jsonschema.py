#!/usr/bin/env python3
"""Turns the Kubernetes OpenAPI v2 spec and CustomResourceDefinitions into strict JSON schemas.

kubeconform validates offline only against local JSON schemas, and this machine cannot download the
published ones, so we generate them from sources that the Go module proxy serves: the API server's
swagger.json (k8s.io/kubernetes) and the CRDs shipped by Knative, Dapr, cert-manager and the
Prometheus Operator. "Strict" means an object that lists its properties rejects any other key, so a
misspelt field fails the check instead of being silently dropped by the API server.

Layout (kubeconform -schema-location DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json):
    DIR/<group, or "v1" for the core group>/<kind in lower case>_<version>.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]

INT_OR_STRING: Schema = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
# A Quantity is a string in the spec, but YAML authors write `cpu: 1` and the API server accepts it.
QUANTITY: Schema = {"anyOf": [{"type": "string"}, {"type": "number"}]}
SPECIAL_DEFINITIONS: dict[str, Schema] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": INT_OR_STRING,
    "io.k8s.apimachinery.pkg.api.resource.Quantity": QUANTITY,
}
# Keys that only document or that the validator does not need; dropping them keeps files small and
# avoids format assertions ("int-or-string", "byte") that JSON Schema validators do not know.
DROPPED_KEYS = {"description", "format", "example", "externalDocs", "default"}
OBJECT_META_REF = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def allow_null(schema: Schema) -> Schema:
    """The API server treats an explicit null like an absent optional field; so do we."""
    if "$ref" in schema or "anyOf" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*types, "null"] if "null" not in types else types}


def strict_openapi(node: Any) -> Any:
    """Recursively converts one OpenAPI v2 definition body to strict JSON Schema."""
    if isinstance(node, list):
        return [strict_openapi(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key in DROPPED_KEYS or key.startswith("x-"):
            continue
        if key == "$ref":
            out[key] = "#/definitions/" + value.rsplit("/", 1)[-1]
        elif key == "properties":
            required = set(node.get("required", []))
            out[key] = {
                name: strict_openapi(prop) if name in required else allow_null(strict_openapi(prop))
                for name, prop in value.items()
            }
        else:
            out[key] = strict_openapi(value)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def referenced(schema: Any) -> Iterable[str]:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in schema.values():
            yield from referenced(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from referenced(item)


def closure(root: str, definitions: dict[str, Schema]) -> dict[str, Schema]:
    """Only the definitions a resource reaches, so each file stands alone and stays small."""
    seen: dict[str, Schema] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen[name] = definitions[name]
        pending.extend(ref for ref in referenced(definitions[name]) if ref not in seen)
    return seen


def pin_type_meta(schema: Schema, api_version: str, kind: str) -> Schema:
    """A document must name exactly this apiVersion and kind to match its schema."""
    properties = dict(schema.get("properties", {}))
    properties["apiVersion"] = {"type": "string", "enum": [api_version]}
    properties["kind"] = {"type": "string", "enum": [kind]}
    required = sorted({*schema.get("required", []), "apiVersion", "kind"})
    return {**schema, "properties": properties, "required": required}


def schema_path(out: Path, group: str, version: str, kind: str) -> Path:
    return out / (group or version) / f"{kind.lower()}_{version}.json"


def write(path: Path, schema: Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True))


def load_openapi_definitions(spec_path: Path) -> dict[str, Schema]:
    raw: dict[str, Schema] = json.loads(spec_path.read_text())["definitions"]
    definitions = {name: strict_openapi(body) for name, body in raw.items()}
    definitions.update(SPECIAL_DEFINITIONS)
    return definitions


def convert_openapi(spec_path: Path, out: Path) -> int:
    raw: dict[str, Schema] = json.loads(spec_path.read_text())["definitions"]
    definitions = load_openapi_definitions(spec_path)
    written = 0
    for name, body in raw.items():
        kinds = body.get("x-kubernetes-group-version-kind", [])
        # Shared types such as DeleteOptions list every group; they are never applied on their own.
        if len(kinds) != 1:
            continue
        group, version, kind = kinds[0]["group"], kinds[0]["version"], kinds[0]["kind"]
        api_version = f"{group}/{version}" if group else version
        top = pin_type_meta(definitions[name], api_version, kind)
        reached = closure(name, definitions)
        reached.pop(name)
        write(schema_path(out, group, version, kind), {**top, "definitions": reached})
        written += 1
    return written


def strict_structural(node: Any) -> Any:
    """Recursively converts a CRD's structural OpenAPI v3 schema to strict JSON Schema."""
    if isinstance(node, list):
        return [strict_structural(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key in DROPPED_KEYS or key.startswith("x-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: strict_structural(prop) for name, prop in value.items()}
        elif key in {"items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"}:
            out[key] = strict_structural(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out = {**out, **INT_OR_STRING} if "anyOf" not in out else {"allOf": [out, INT_OR_STRING]}
    if node.get("x-kubernetes-embedded-resource"):
        # The API server accepts the type and object metadata of an embedded object without listing them.
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if node.get("nullable"):
        out = allow_null(out)
    preserve = node.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


class CrdLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml is faster
    """YAML 1.1 reads a bare `=` (a PromQL matcher in an enum) as the obsolete !!value tag: keep it text."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def crd_documents(paths: Iterable[Path]) -> Iterable[Schema]:
    for path in paths:
        for document in yaml.load_all(path.read_text(), Loader=CrdLoader):
            if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition":
                yield document


def convert_crds(paths: list[Path], out: Path, kubernetes_spec: Path | None) -> int:
    """One schema per served version; metadata is checked as real ObjectMeta when the spec is given."""
    object_meta: Schema | None = None
    meta_definitions: dict[str, Schema] = {}
    if kubernetes_spec is not None:
        definitions = load_openapi_definitions(kubernetes_spec)
        meta_definitions = closure(OBJECT_META_REF, definitions)
        object_meta = {"$ref": f"#/definitions/{OBJECT_META_REF}"}
    written = 0
    for crd in crd_documents(paths):
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            raw = version.get("schema", {}).get("openAPIV3Schema")
            if raw is None:
                sys.exit(f"{crd['metadata']['name']} {version['name']}: no openAPIV3Schema to validate with")
            schema = strict_structural(raw)
            properties = schema.setdefault("properties", {})
            if object_meta is not None:
                properties["metadata"] = object_meta
            else:
                properties.setdefault("metadata", {"type": "object"})
            schema.setdefault("additionalProperties", False)
            top = pin_type_meta(schema, f"{group}/{version['name']}", kind)
            if meta_definitions:
                # "$ref"s resolve from the document root, so the ObjectMeta definitions live there.
                top["definitions"] = meta_definitions
            write(schema_path(out, group, version["name"], kind), top)
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="source", required=True)
    openapi = sub.add_parser("openapi", help="Kubernetes built-in kinds from api/openapi-spec/swagger.json")
    openapi.add_argument("--out", type=Path, required=True)
    openapi.add_argument("spec", type=Path)
    crd = sub.add_parser("crd", help="custom resources from CustomResourceDefinition YAML files")
    crd.add_argument("--out", type=Path, required=True)
    crd.add_argument("--kubernetes-spec", type=Path, help="swagger.json whose ObjectMeta checks metadata")
    crd.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.source == "openapi":
        count = convert_openapi(args.spec, args.out)
    else:
        count = convert_crds(args.files, args.out, args.kubernetes_spec)
    if count == 0:
        sys.exit("no schema written: the inputs held no resource definitions")
    print(f"wrote {count} schemas to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
