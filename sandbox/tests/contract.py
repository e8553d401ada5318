"""Validate the sandbox's answers against BigCommerce's own OpenAPI files.

The files live in BigCommerce's public `bigcommerce/docs` repository (`reference/`). They
carry no licence, so this project never copies them: the contract tests read them where
they are, from

- `BIGCOMMERCE_DOCS_DIR`: a checkout of bigcommerce/docs (a work tree with `reference/`),
  or a bare git directory (the files are read with `git show HEAD:reference/...`);
- otherwise the local mirror `/work/.mirror/bigcommerce+docs/repo`, when it exists.

When neither is there (a fresh machine, CI without the mirror) the `contract` tests skip
and say why; the plain tests hold the sandbox to the same rules without the files.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ENV_VAR = "BIGCOMMERCE_DOCS_DIR"
DEFAULT_MIRRORS = ("/work/.mirror/bigcommerce+docs/repo",)
API_HOST = "https://api.bigcommerce.com"


class SpecsMissing(LookupError):
    pass


def docs_location() -> tuple[str, Path]:
    """('tree' | 'git', path) of the bigcommerce/docs copy to read, or SpecsMissing."""
    candidates = [os.environ[ENV_VAR]] if os.environ.get(ENV_VAR) else list(DEFAULT_MIRRORS)
    for raw in candidates:
        path = Path(raw)
        if (path / "reference").is_dir():
            return "tree", path
        if (path / "HEAD").is_file() and (path / "objects").is_dir():
            return "git", path
        if (path / ".git").exists():
            return "tree", path
    raise SpecsMissing(
        f"BigCommerce's OpenAPI files are not on this machine: set {ENV_VAR} to a checkout "
        f"of github.com/bigcommerce/docs (tried {', '.join(candidates)})"
    )


@functools.cache
def spec_text(relative: str) -> str:
    kind, path = docs_location()
    if kind == "tree":
        file = path / relative
        if not file.is_file():
            raise SpecsMissing(f"{relative} is not in {path}")
        return file.read_text(encoding="utf-8")
    answer = subprocess.run(
        ["git", f"--git-dir={path}", "show", f"HEAD:{relative}"], capture_output=True, text=True, check=False
    )
    if answer.returncode:
        raise SpecsMissing(f"{relative} is not in {path}: {answer.stderr.strip()}")
    return answer.stdout


@functools.cache
def openapi(relative: str, reading=None):
    """The spec as openapi-core reads it; ``reading``: a function that resolves, for one kind of
    answer, a place where the file's schemas cannot be met as written (it is given the loaded
    file and returns it)."""
    import yaml
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    data = honour_x_nullable(yaml.safe_load(spec_text(relative)))
    if reading is not None:
        data = reading(data)
    # BigCommerce's files do not all pass the strict spec validator; we check answers, not them.
    config = Config(spec_validator_cls=None, extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(data, config=config)


def honour_x_nullable(node):
    """Some schemas say `x-nullable: true` (Swagger 2's spelling) where OpenAPI 3 says
    `nullable: true`; read them as the authors meant."""
    if isinstance(node, dict):
        if node.get("x-nullable") is True:
            node["nullable"] = True
        for value in node.values():
            honour_x_nullable(value)
    elif isinstance(node, list):
        for value in node:
            honour_x_nullable(value)
    return node


@dataclass
class _Request:
    method: str
    path: str
    query: dict
    content_type: str = "application/json"
    body: bytes | None = None
    host_url: str = API_HOST
    parameters: object = field(default=None)

    def __post_init__(self):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in self.query.items() for v in vs]),
            header=Headers({"Content-Type": self.content_type, "Accept": "application/json"}),
            cookie=ImmutableMultiDict(),
        )


@dataclass
class _Response:
    status_code: int
    data: bytes
    content_type: str
    headers: dict


def violations(spec_file: str, response, *, documented: tuple[str, ...] = (), reading=None) -> list[str]:
    """What is wrong in a `requests` response to the sandbox, per one spec file (empty when
    it conforms). The request is matched on its path after /stores/{hash}/v3. `documented`:
    field names whose null the same file's prose allows though its schema does not."""
    from openapi_core.templating.paths.exceptions import PathNotFound
    from openapi_core.validation.response.exceptions import InvalidData

    url = urlsplit(response.request.url)
    request = _Request(
        method=response.request.method.lower(),
        path=url.path,
        query=parse_qs(url.query, keep_blank_values=True),
        body=response.request.body if isinstance(response.request.body, bytes) else None,
    )
    answer = _Response(
        status_code=response.status_code,
        data=response.content,
        content_type=response.headers.get("Content-Type", "application/json"),
        headers=dict(response.headers),
    )
    try:
        openapi(spec_file, reading).validate_response(request, answer)
    except PathNotFound as exc:
        raise AssertionError(f"{spec_file} has no {request.method.upper()} {url.path}: {exc}") from None
    except InvalidData as exc:
        return [
            line
            for line in _explain(exc)
            if not (line.split(":", 1)[0].rsplit("/", 1)[-1] in documented and "None" in line)
        ]
    except Exception as exc:  # an undocumented status, a missing content type...
        return [f"{type(exc).__name__}: {exc}"]
    return []


def _explain(exc) -> list[str]:
    """One line per leaf schema error: the JSON path in the body and the reason."""
    out: list[str] = []

    def walk(error, prefix):
        path = [*prefix, *getattr(error, "absolute_path", [])]
        children = list(getattr(error, "context", None) or [])
        if not children:
            where = "/".join(str(p) for p in path) or "(root)"
            out.append(f"{where}: {getattr(error, 'message', error)}")
        for child in children:
            walk(child, path)

    cause = exc.__cause__
    errors = getattr(exc, "schema_errors", None) or getattr(cause, "schema_errors", None)
    for error in errors or [cause or exc]:
        walk(error, [])
    return sorted(set(out))


def pretty(response) -> str:
    try:
        return json.dumps(response.json(), indent=1)[:3000]
    except ValueError:
        return response.text[:3000]
