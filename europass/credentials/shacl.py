"""Validation of EDC 3 credentials (ELM 3 JSON-LD) against the European Commission's SHACL shapes.

The payload is expanded to RDF with pyld, with the two contexts an EDC 3 credential uses served from shipped copies
(``elm3/credentials-v1.jsonld`` for ``https://www.w3.org/2018/credentials/v1``, ``elm3/edc-ap-context.jsonld`` for
``http://data.europa.eu/snb/model/context/edc-ap``). Any other context URL is refused by the document loader, never
fetched: the document is then not valid (``conforms`` false, the URL named), it never crashes the check.

The shapes are the profile the credential declares: its ``credentialSchema`` (``…/model/ap/edc-generic-full`` and
the others), else its ``credentialProfiles`` concept (Generic, Diploma Supplement, Accredited, Issued by mandate,
Converted). Nothing declared, or something unknown: ``EDC-generic-full``, with ``recognised`` false. The profiles'
``owl:imports`` are resolved between the shipped files (``EDC-diplomaSupplement`` = itself + accredited +
generic-full + generic-no-cv), and the ``rdfs:subClassOf`` axioms of the ELM ontology are added to the document's
graph so that ``sh:class elm:Claim`` holds for a ``LearningAchievement``. Each profile's shapes are parsed once per
process and analysed once per thread (pyshacl's shapes objects are not shared between threads).

A verifiable presentation is checked through the credential it holds (``elm3.find_credential``). A document with
more than ``max_nodes`` objects, or whose graph has more than ``max_triples`` triples, is not checked (not valid, and
the result says why). Results are kept for the last ``cache_size`` payloads (by SHA-256 of their JSON), since the
same credential is often verified many times.

Violations are sentences (focus node, path, what is wrong), at most ``MAX_VIOLATIONS`` of them: ``sentences`` holds
them as ``Text`` (translated when shown), ``violations`` shows them in English and ``violations_fr`` in French;
``violation_count`` counts them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from europass.words import Text, said, said_n

from .elm3 import EDC_AP_CONTEXT, VC_V1_CONTEXT, find_credential
from .errors import CredentialError

logger = logging.getLogger(__name__)


class _QuietIllTypedLiterals(logging.Filter):
    """rdflib logs a traceback for every literal whose text does not fit its datatype (``"validFrom": "yesterday"``).
    For a verifier that is the document's problem, reported as a violation, not the server's: a hostile document
    with thousands of them must not flood the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_QuietIllTypedLiterals())

SHAPES_DIR = Path(__file__).resolve().parent / "elm3"
MAX_VIOLATIONS = 10
MAX_NODES = 10_000
MAX_TRIPLES = 60_000

CONTEXTS: dict[str, str] = {
    VC_V1_CONTEXT: "credentials-v1.jsonld",
    EDC_AP_CONTEXT: "edc-ap-context.jsonld",
    "https://data.europa.eu/snb/model/context/edc-ap": "edc-ap-context.jsonld",
}

AP = "http://data.europa.eu/snb/model/ap/"
DEFAULT_PROFILE = "EDC-generic-full"
# profile name (the file's name) → the ontology IRI it declares; more specific profiles first
PROFILES: dict[str, str] = {
    "EDC-diplomaSupplement": f"{AP}edc-diploma-supplement",
    "EDC-accredited": f"{AP}edc-accredited",
    "EDC-issuedByMandate": f"{AP}edc-issued-by-mandate",
    "EDC-converted": f"{AP}edc-converted",
    "EDC-generic-full": f"{AP}edc-generic-full",
    "EDC-generic-no-cv": f"{AP}edc-generic-no-cv",
}
# the EDC credential types (``credentialProfiles``) with a profile of their own, as the Commission's issuer names them
CREDENTIAL_PROFILES: dict[str, str] = {
    "http://data.europa.eu/snb/credential/e34929035b": "EDC-generic-full",  # Generic
    "http://data.europa.eu/snb/credential/6dff8a0f87": "EDC-diplomaSupplement",  # Diploma Supplement
    "http://data.europa.eu/snb/credential/c_ae121a00": "EDC-accredited",  # Accreditation
    "http://data.europa.eu/snb/credential/c_9a31f32a": "EDC-issuedByMandate",  # Issued by mandate
    "http://data.europa.eu/snb/credential/c_7e400154": "EDC-converted",  # Converted
}

ELM = "http://data.europa.eu/snb/model/elm/"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = {
    "https://www.w3.org/2018/credentials#": "cred:",
    ELM: "elm:",
    "http://purl.org/dc/terms/": "dc:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://xmlns.com/foaf/0.1/": "foaf:",
    "http://www.w3.org/ns/adms#": "adms:",
    "http://www.w3.org/ns/regorg#": "rov:",
    "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/ns/locn#": "locn:",
    "http://www.w3.org/ns/person#": "person:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
}


@dataclass(frozen=True)
class ShaclResult:
    profile: str  # the shapes used, e.g. "EDC-generic-full"
    conforms: bool
    sentences: list[Text]  # at most MAX_VIOLATIONS violations, as sentences for people
    declared: str | None  # what the credential declares (credentialSchema id, else credentialProfiles id)
    recognised: bool  # whether that declaration names a profile shipped here
    violation_count: int = 0

    def shown(self, lang: str | None = None) -> list[str]:
        """The violations in ``lang`` (the active language when None)."""
        return [sentence.shown(lang) for sentence in self.sentences]

    @property
    def violations(self) -> list[str]:
        """The violations in English."""
        return self.shown("en")

    @property
    def violations_fr(self) -> list[str]:
        """The violations in French."""
        return self.shown("fr")


# --- the shipped files, read once per process ------------------------------------------------------------


class _Loader:
    """A pyld document loader that serves the shipped contexts and refuses every other URL (never fetches)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.refused: list[str] = []

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        name = CONTEXTS.get(url)
        if name is None:
            self.refused.append(url)
            from pyld.jsonld import JsonLdError

            raise JsonLdError(
                "This context is not one the verifier holds; contexts are never fetched.",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading document failed",
            )
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": _context(str(self.directory / name)),
        }


@cache
def _context(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


_lock = threading.Lock()
_graphs: dict[str, Any] = {}


def _parsed(path: Path) -> Any:
    """The rdflib graph of one shipped Turtle file, parsed once per process (then only read)."""
    key = str(path)
    with _lock:
        graph = _graphs.get(key)
        if graph is None:
            import rdflib

            graph = rdflib.Graph()
            graph.parse(path, format="turtle")
            _graphs[key] = graph
        return graph


def _ontology_iri(graph: Any) -> str | None:
    from rdflib import OWL, RDF

    return next((str(s) for s in graph.subjects(RDF.type, OWL.Ontology)), None)


def _imports(directory: Path, profile: str) -> list[Path]:
    """The files of a profile: its own and, transitively, those its ``owl:imports`` name (shipped files only)."""
    from rdflib import OWL

    files = {name: directory / f"{name}.ttl" for name in PROFILES}
    by_iri = {_ontology_iri(_parsed(path)): path for path in files.values() if path.exists()}
    result: list[Path] = []
    pending = [files[profile]]
    while pending:
        path = pending.pop()
        if path in result or not path.exists():
            continue
        result.append(path)
        for imported in _parsed(path).objects(None, OWL.imports):
            target = by_iri.get(str(imported).rstrip("/"))
            if target is not None:
                pending.append(target)
    return result


def _subclass_axioms(directory: Path) -> list[tuple[Any, Any, Any]]:
    from rdflib import RDFS

    path = directory / "ELM.ttl"
    return list(_parsed(path).triples((None, RDFS.subClassOf, None))) if path.exists() else []


# --- the validator ---------------------------------------------------------------------------------------


def _declared(credential: Mapping[str, Any]) -> tuple[str, str | None, bool]:
    """(profile, what the credential declares, whether it is known here)."""
    schemas = credential.get("credentialSchema")
    schema_ids = [_iri(s) for s in (schemas if isinstance(schemas, list) else [schemas]) if _iri(s)]
    known = [name for name, iri in PROFILES.items() if any(_same(iri, s) for s in schema_ids)]
    if known:
        return known[0], next(s for s in schema_ids if _same(PROFILES[known[0]], s)), True
    profiles = credential.get("credentialProfiles")
    profile_ids = [_iri(p) for p in (profiles if isinstance(profiles, list) else [profiles]) if _iri(p)]
    named = [CREDENTIAL_PROFILES[p] for p in profile_ids if p in CREDENTIAL_PROFILES]
    if named and not schema_ids:
        best = min(named, key=list(PROFILES).index)
        return best, next(p for p in profile_ids if CREDENTIAL_PROFILES.get(p) == best), True
    declared = (schema_ids or profile_ids or [""])[0]
    return DEFAULT_PROFILE, declared or None, False


def _iri(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        found = value.get("id", value.get("@id"))
        return found.strip() if isinstance(found, str) else ""
    return ""


def _same(official: str, declared: str) -> bool:
    canonical = declared.rstrip("/").replace("https://", "http://", 1)
    return canonical == official


def _count_nodes(payload: Any, limit: int) -> int:
    count, stack = 0, [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            count += 1
            if count > limit:
                break
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _digest(payload: Mapping[str, Any]) -> str | None:
    try:
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ShaclValidator:
    """``validate(payload)`` checks an EDC 3 credential (or presentation) payload against the SHACL profile it
    declares. Safe to share between threads."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        max_nodes: int = MAX_NODES,
        max_triples: int = MAX_TRIPLES,
        cache_size: int = 64,
    ) -> None:
        self.directory = Path(directory) if directory else SHAPES_DIR
        needed = ("credentials-v1.jsonld", "edc-ap-context.jsonld", f"{DEFAULT_PROFILE}.ttl")
        missing = [n for n in needed if not (self.directory / n).exists()]
        if missing:
            raise FileNotFoundError(f"{', '.join(missing)} not found in {self.directory}")
        self.max_nodes = max_nodes
        self.max_triples = max_triples
        self.cache_size = cache_size
        self._results: OrderedDict[str, ShaclResult] = OrderedDict()
        self._results_lock = threading.Lock()
        self._local = threading.local()

    # shapes, per thread
    def _shapes(self, profile: str) -> Any:
        shapes = getattr(self._local, "shapes", None)
        if shapes is None:
            shapes = self._local.shapes = {}
        if profile not in shapes:
            import rdflib
            from pyshacl.shapes_graph import ShapesGraph

            graph = rdflib.Graph()
            for path in _imports(self.directory, profile):
                for triple in _parsed(path):
                    graph.add(triple)
            for prefix, namespace in _parsed(self.directory / f"{profile}.ttl").namespaces():
                graph.bind(prefix, namespace)
            shapes_graph = ShapesGraph(graph)
            _ = shapes_graph.shapes  # harvest once, in this thread
            shapes[profile] = shapes_graph
        return shapes[profile]

    def warm(self, *profiles: str) -> None:
        """Parse and analyse the shapes now (e.g. at start-up) rather than on the first validation."""
        for profile in profiles or (DEFAULT_PROFILE,):
            self._shapes(profile)

    def validate(self, payload: Mapping[str, Any]) -> ShaclResult:
        try:
            credential = find_credential(payload)
        except CredentialError as error:
            return _failed(DEFAULT_PROFILE, None, False, error.text)
        profile, declared, recognised = _declared(credential)
        key = _digest(credential) if self.cache_size > 0 else None
        if key is not None:
            with self._results_lock:
                found = self._results.get(key)
                if found is not None:
                    self._results.move_to_end(key)
                    return found
        result = self._validate(credential, profile, declared, recognised)
        if key is not None:
            with self._results_lock:
                self._results[key] = result
                while len(self._results) > self.cache_size:
                    self._results.popitem(last=False)
        return result

    def _validate(
        self, credential: Mapping[str, Any], profile: str, declared: str | None, recognised: bool
    ) -> ShaclResult:
        nodes = _count_nodes(credential, self.max_nodes)
        if nodes > self.max_nodes:
            return _failed(
                profile,
                declared,
                recognised,
                said_n(
                    "The document has more than %(number)s object: too large to be checked here.",
                    "The document has more than %(number)s objects: too large to be checked here.",
                    self.max_nodes,
                    number=f"{self.max_nodes:,}",
                ),
            )
        loader = _Loader(self.directory)
        try:
            graph = self._graph(credential, loader)
        except Exception as error:  # pyld raises JsonLdError and, on odd input, anything; never a crash here
            if loader.refused:
                url = loader.refused[0][:200]
                return _failed(
                    profile,
                    declared,
                    recognised,
                    said(
                        "The document uses the JSON-LD context %(url)s, which is not one this verifier holds "
                        "(contexts are never fetched): its vocabulary cannot be checked.",
                        url=url,
                    ),
                )
            reason = _jsonld_reason(error)
            return _failed(
                profile,
                declared,
                recognised,
                said("The document cannot be read as JSON-LD: %(reason)s.", reason=reason),
            )
        if len(graph) > self.max_triples:
            return _failed(
                profile,
                declared,
                recognised,
                said_n(
                    "The document makes more than %(number)s statement: too large to be checked here.",
                    "The document makes more than %(number)s statements: too large to be checked here.",
                    self.max_triples,
                    number=f"{self.max_triples:,}",
                ),
            )
        from rdflib import URIRef

        if (None, URIRef(RDF_TYPE), URIRef(f"{ELM}EuropeanDigitalCredential")) not in graph:
            return _failed(
                profile,
                declared,
                recognised,
                said(
                    "Read with its contexts, the document describes no European Digital Credential "
                    "(elm:EuropeanDigitalCredential)."
                ),
            )
        shapes = self._shapes(profile)
        for triple in _subclass_axioms(self.directory):
            graph.add(triple)
        conforms, report = _run(graph, shapes)
        sentences, count = _violations(report, shapes.graph)
        return ShaclResult(
            profile=profile,
            conforms=conforms and count == 0,
            sentences=sentences,
            declared=declared,
            recognised=recognised,
            violation_count=count,
        )

    def _graph(self, credential: Mapping[str, Any], loader: _Loader) -> Any:
        from pyld import jsonld
        from pyld.context_resolver import ContextResolver
        from rdflib import BNode, Graph, Literal, URIRef

        # Our own resolver and cache: pyld's shared cache is keyed by URL only and could hold a context that
        # another loader fetched. Ours holds only the shipped contexts, resolved once per thread (pyld's resolved
        # contexts keep caches of their own that are not safe to share between threads).
        contexts = getattr(self._local, "contexts", None)
        if contexts is None:
            contexts = self._local.contexts = {}
        options = {
            "documentLoader": loader,
            "contextResolver": ContextResolver(contexts, loader),
            "base": "",
        }
        dataset = jsonld.to_rdf(dict(credential), options)
        blank: dict[str, BNode] = {}

        def term(value: Mapping[str, Any]) -> Any:
            kind = value.get("type")
            if kind == "IRI":
                return URIRef(value["value"])
            if kind == "blank node":
                return blank.setdefault(value["value"], BNode())
            if value.get("language"):
                return Literal(value["value"], lang=value["language"])
            datatype = value.get("datatype")
            return Literal(value["value"], datatype=URIRef(datatype) if datatype else None)

        graph = Graph()
        for quad in dataset.get("@default", []):
            graph.add((term(quad["subject"]), term(quad["predicate"]), term(quad["object"])))
        return graph


def _jsonld_reason(error: BaseException) -> str:
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(texts) < 4:
        code = getattr(current, "code", None)
        text = str(getattr(current, "message", None) or current).split("\n", 1)[0]
        texts.append(f"{text} ({code})" if code else text)
        current = current.__cause__ or getattr(current, "cause", None)
    return "; ".join(t[:160] for t in texts if t) or type(error).__name__


def _run(graph: Any, shapes: Any) -> tuple[bool, Any]:
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    validator = Validator(
        DataGraph.from_rdflib(graph),
        shacl_graph=shapes.graph,
        options={"inference": "none", "advanced": False, "inplace": True, "allow_warnings": True},
    )
    validator.shacl_graph = shapes  # the shapes analysed once (per thread), not again for every document
    conforms, report, _text = validator.run()
    return bool(conforms), report


def _failed(profile: str, declared: str | None, recognised: bool, sentence: Text) -> ShaclResult:
    return ShaclResult(profile, False, [sentence], declared, recognised, 1)


# --- violations as sentences -----------------------------------------------------------------------------


def _short(node: Any) -> str:
    text = str(node)
    for namespace, prefix in PREFIXES.items():
        if text.startswith(namespace):
            return prefix + text[len(namespace) :]
    return text if len(text) <= 80 else text[:77] + "…"


def _shown(node: Any) -> Text | str:
    from rdflib import BNode

    return said("a node without id") if isinstance(node, BNode) else _short(node)


def _name(shapes: Any, shape: Any) -> str | None:
    from rdflib import URIRef

    names = list(shapes.objects(shape, URIRef(f"{SH}name")))
    english = [n for n in names if getattr(n, "language", None) in ("en", None)]
    return str((english or names)[0]) if names else None


def _violations(report: Any, shapes: Any) -> tuple[list[Text], int]:
    from rdflib import URIRef

    results = sorted(
        report.objects(None, URIRef(f"{SH}result")),
        key=lambda r: (
            str(report.value(r, URIRef(f"{SH}focusNode"))),
            str(report.value(r, URIRef(f"{SH}resultPath"))),
        ),
    )
    return [_sentence(report, shapes, result) for result in results[:MAX_VIOLATIONS]], len(results)


def _sentence(report: Any, shapes: Any, result: Any, depth: int = 0) -> Text:
    from rdflib import URIRef

    def value(name: str) -> Any:
        return report.value(result, URIRef(f"{SH}{name}"))

    focus, path, shape = value("focusNode"), value("resultPath"), value("sourceShape")
    component = _short(value("sourceConstraintComponent") or "").rsplit("#", 1)[-1]
    component = component.removeprefix(SH).replace("ConstraintComponent", "")
    found = value("value")
    message = str(value("resultMessage") or "")
    name = _name(shapes, shape) if shape is not None else None
    where = _shown(focus)
    what: Text | str
    if path is None:
        # Translators: what a SHACL violation is about when it names no property: the node itself.
        what = said("it")
    elif name:
        # Translators: a property of a credential, by its name in the EDC shapes and its short IRI.
        what = said("“%(name)s” (%(path)s)", name=name, path=_short(path))
    else:
        what = _short(path)
    minimum = shapes.value(shape, URIRef(f"{SH}minCount")) if shape is not None else None
    maximum = shapes.value(shape, URIRef(f"{SH}maxCount")) if shape is not None else None
    if component.endswith("MinCount"):
        return said(
            "%(where)s: %(what)s is missing (at least %(minimum)s required).",
            where=where,
            what=what,
            minimum=str(minimum or 1),
        )
    if component.endswith("MaxCount"):
        return said(
            "%(where)s: %(what)s is given too many times (at most %(maximum)s).",
            where=where,
            what=what,
            maximum=str(maximum or 1),
        )
    detail = report.value(result, URIRef(f"{SH}detail"))
    if detail is not None and depth < 3:
        return said(
            "%(where)s: %(what)s (%(value)s) does not meet its shape: %(detail)s",
            where=where,
            what=what,
            value=_shown(found),
            detail=_sentence(report, shapes, detail, depth + 1),
        )
    # pySHACL's own message (English only) when the shapes say nothing better
    reason = message[:200] or component
    if found is not None:
        return said(
            "%(where)s: %(what)s (%(value)s): %(reason)s.",
            where=where,
            what=what,
            value=_shown(found),
            reason=reason,
        )
    return said("%(where)s: %(what)s: %(reason)s.", where=where, what=what, reason=reason)


_default_lock = threading.Lock()
_default: list[ShaclValidator] = []


def default_shacl_validator() -> ShaclValidator:
    """The process's validator over the shipped shapes: shapes parsed once, results remembered across requests."""
    with _default_lock:
        if not _default:
            _default.append(ShaclValidator())
        return _default[0]
