"""`camaudit profiles`: list the shipped compliance profiles, show their rules, print the profile schema."""

from __future__ import annotations

import argparse
import json

from rich.table import Table
from rich.text import Text

from profiles import list_profiles, load_profiles, profile_json_schema
from profiles.checks import REGISTRY
from profiles.model import Rule
from reports.console import make_console


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("profiles", help="list, show or validate compliance profiles",
                            description="Compliance profiles are YAML files of rules; see docs/profiles.md.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="the shipped profiles")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="rules, parameters and sources of a profile")
    show.add_argument("profile", metavar="ID|FILE")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=run_show)
    actions.add_parser("schema", help="JSON Schema of the profile format").set_defaults(handler=run_schema)
    check = actions.add_parser("check", help="validate profile files (file, line and field on error)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=run_check)
    checks = actions.add_parser("checks", help="the available checks and their parameters")
    checks.add_argument("--json", action="store_true", help="machine-readable output")
    checks.set_defaults(handler=run_checks)
    areas = actions.add_parser("areas", help="the place taxonomy: areas and sectors, synonyms, parents, rules",
                               description="Every area and sector the rules know, the words the site file accepts "
                                           "for them (any case, accents optional), their parents and the rules "
                                           "they trigger.")
    areas.add_argument("--json", action="store_true", help="machine-readable output")
    areas.add_argument("--profile", action="append", metavar="ID|FILE",
                       help="rules of these profiles (repeatable; default: every shipped profile)")
    areas.set_defaults(handler=run_areas)
    parser.set_defaults(handler=run_list, json=False)


def run_list(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([{"id": i.id, "title": i.title, "source": i.source, "jurisdiction": i.jurisdiction,
                           "version": i.version, "extends": list(i.extends), "rules": i.rules}
                          for i in list_profiles()], indent=2))
        return 0
    table = Table(title="Shipped compliance profiles", title_justify="left", header_style="bold")
    for name in ("id", "title", "jurisdiction", "version", "extends", "rules"):
        table.add_column(name, justify="right" if name == "rules" else "left")
    for info in list_profiles():
        table.add_row(info.id, info.title, info.jurisdiction, info.version, ", ".join(info.extends) or "-",
                      str(info.rules))
    make_console().print(table)
    return 0


def _fmt(value: object) -> str:
    """Compact, human rendering of a parameter value (lists of rows one per line)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        rows = (" ".join(f"{k}={v}" for k, v in row.items() if v is not None) for row in value)
        return "".join(f"\n  {row}" for row in rows)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) or "(none)"
    return json.dumps(value)


def _params_text(rule: Rule) -> str:
    if rule.manual:
        return f"attest: {rule.manual.attestation}" + (" (site)" if rule.manual.scope == "site" else "")
    if rule.params is None:
        return ""
    values = rule.params.model_dump(mode="json")
    return "\n".join(f"{k}={_fmt(v)}" for k, v in values.items())


def run_show(args: argparse.Namespace) -> int:
    profile = load_profiles([args.profile])[0]
    if args.json:
        print(json.dumps({
            "id": profile.id, "title": profile.title, "source": profile.source,
            "jurisdiction": profile.jurisdiction, "version": profile.version, "extends": list(profile.extends),
            "rules": [{"id": r.id, "title": r.title, "severity": str(r.severity), "check": r.check,
                       "params": r.params.model_dump(mode="json") if r.params else None,
                       "manual": r.manual.model_dump() if r.manual else None,
                       "reference": r.reference.model_dump(), "profile": r.profile,
                       "applies_to": r.applies_to.model_dump(mode="json", exclude_defaults=True)
                       if r.applies_to else None, "remediation": r.remediation} for r in profile.rules],
        }, indent=2))
        return 0
    console = make_console()
    console.print(Text.assemble((profile.title, "bold"), f"  ({profile.id} {profile.version}, {profile.jurisdiction})"))
    console.print(Text(f"source: {profile.source}", style="dim"))
    if profile.extends:
        console.print(Text(f"extends: {', '.join(profile.extends)}", style="dim"))
    table = Table(header_style="bold", show_lines=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("severity")
    table.add_column("title", overflow="fold")
    table.add_column("check / parameters", overflow="fold")
    table.add_column("source", overflow="fold")
    for rule in profile.rules:
        check = rule.check or "manual"
        params = _params_text(rule)
        applies = ""
        if rule.applies_to:
            parts = rule.applies_to.model_dump(mode="json", exclude_defaults=True)
            applies = "\napplies to " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in parts.items())
        inherited = "" if rule.profile == profile.id else f"\n(from {rule.profile})"
        table.add_row(rule.id, str(rule.severity), rule.title + inherited,
                      check + (f"\n{params}" if params else "") + applies,
                      f"{rule.reference.source} {rule.reference.article}")
    console.print(table)
    return 0


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(profile_json_schema(), indent=2))
    return 0


def run_check(args: argparse.Namespace) -> int:
    for path in args.files:
        profile = load_profiles([path])[0]  # raises ConfigError with file:line: field
        print(f"{path}: ok ({profile.id}, {len(profile.rules)} rules)")
    return 0


def run_checks(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([{"check": check_id, "summary": spec.summary, "params": spec.params.model_json_schema()}
                          for check_id, spec in sorted(REGISTRY.items())], indent=2))
        return 0
    table = Table(title="Checks", title_justify="left", header_style="bold", show_lines=True)
    table.add_column("check", no_wrap=True)
    table.add_column("what it verifies", overflow="fold")
    table.add_column("parameters (defaults)", overflow="fold")
    for check_id, spec in sorted(REGISTRY.items()):
        params = []
        for name, field in spec.params.model_fields.items():
            default = "required" if field.is_required() else json.dumps(field.get_default(call_default_factory=True),
                                                                        default=str)
            params.append(f"{name} = {default}")
        table.add_row(check_id, spec.summary, "\n".join(params))
    make_console().print(table)
    return 0


def run_areas(args: argparse.Namespace) -> int:
    from profiles import places
    from profiles.placerules import triggered_rules

    profiles = load_profiles(args.profile or [info.id for info in list_profiles()])
    rules = triggered_rules(profiles)
    if args.json:
        print(json.dumps({kind: [{
            "id": place.id, "title": place.title, "parents": list(place.parents),
            "synonyms": {lang: list(words) for lang, words in place.synonyms.items()},
            "sources": list(place.sources),
            "rules": [{"id": r.id, "profile": r.profile, "source": r.reference.source,
                       "article": r.reference.article} for r in rules[(kind, place.id)]],
        } for place in places.taxonomy(kind).places.values()] for kind in ("areas", "sectors")}, indent=2,
            ensure_ascii=False))
        return 0
    console = make_console()
    kinds: tuple[places.Kind, ...] = ("areas", "sectors")
    for kind in kinds:
        table = Table(title=f"{kind.capitalize()} (write any id or synonym in the site file)", title_justify="left",
                      header_style="bold", show_lines=True)
        table.add_column("id", no_wrap=True)
        table.add_column("kind of", overflow="fold")
        table.add_column("synonyms (en cs sk el fr nl de)", overflow="fold")
        table.add_column("rules triggered", overflow="fold")
        table.add_column("named in", overflow="fold")
        for place in places.taxonomy(kind).places.values():
            words = "; ".join(f"{lang}: {', '.join(ws)}" for lang, ws in place.synonyms.items() if ws)
            triggered = ", ".join(f"{r.id} ({r.reference.source} {r.reference.article})"
                                  for r in rules[(kind, place.id)])
            table.add_row(Text(place.id), Text(", ".join(place.parents) or "-"), Text(words or "-"),
                          Text(triggered or "-"), Text("; ".join(place.sources) or "-"))
        console.print(table)
    return 0
