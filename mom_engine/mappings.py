"""How a CRM's or marketing-automation system's names map onto ours (SPEC §3 Mappings, §7).

A mapping comes from the workbook's `Mappings` sheet (Kind, From, To, Probability, Closed) and/or
a TOML file given with `--map FILE`; the file's entries win over the sheet's for the same From.

- **Stage**: an export's stage name → one of our stages (To), with the probability its deals
  carry when the export gives none, and Closed (Won | Lost) — which must agree with To (Closed
  Won / Closed Lost); a closed stage needs no Closed. A stage that is ours already needs no row.
- **Header**: an export's column header → one of our columns (a custom property such as
  `Deal Source Campaign` → `Campaign ID`). Applied while the sheet is read.
- **Campaign**: an `Original Source` / `First Conversion` (or any campaign column) value →
  a Campaign ID.

The resolving stage (`resolve_opportunities`, `resolve_campaigns`) runs after every sheet is
read and before any check: an Opportunities Stage that is neither ours nor mapped is one
`stage-unmapped` finding per value (with how many opportunities carry it) and those
opportunities are left out of the figures; a Campaign ID column value that is no Campaign ID
is matched against the campaign names the same way IDs match (trimmed, ignoring case), and a
name two campaigns share is one `campaign-ambiguous` finding per value (left unattributed).

The TOML file:

    [stages]
    "Discovery" = "Qualification"
    "Verbal Commit" = { to = "Negotiation", probability = 0.9 }
    "Closed - Signed" = { to = "Closed Won" }
    [headers]
    "Deal Source Campaign" = "Campaign ID"
    [campaigns]
    "Paid Search" = "C-101"
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import safety
from .findings import Finding
from .model import Book, Table, text_values
from .money import exchange_rates, in_plan_currency
from .sheets import OPPORTUNITY_STAGES, SHEETS, Column, normalise_name

CLOSED_STAGE_OF = {"Won": "Closed Won", "Lost": "Closed Lost"}


class MappingError(Exception):
    """A --map file that cannot be used at all (bad usage, exit status 2)."""


@dataclass(frozen=True)
class StageRule:
    stage: str                       # one of OPPORTUNITY_STAGES
    probability: float | None = None


@dataclass(frozen=True)
class Mapping:
    """Names → ours. Keys are normalised names (headers, stages) or folded values (campaigns)."""

    stages: dict[str, StageRule] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    campaigns: dict[str, str] = field(default_factory=dict)

    def merged(self, other: Mapping | None) -> Mapping:
        """This mapping with `other`'s entries on top (the command line wins)."""
        if other is None:
            return self
        return Mapping({**self.stages, **other.stages}, {**self.headers, **other.headers},
                       {**self.campaigns, **other.campaigns})

    def __bool__(self) -> bool:
        return bool(self.stages or self.headers or self.campaigns)


def fold(value: Any) -> str:
    """Values (campaign IDs and names, sources) match trimmed, ignoring case and inner runs of
    spaces — as references do."""
    return " ".join(str(value).split()).casefold()


_COLUMN_NAMES = {normalise_name(c.name): c.name for sheet in SHEETS.values()
                 for c in sheet.columns}


def _stage(name: str) -> str | None:
    wanted = normalise_name(name)
    return next((s for s in OPPORTUNITY_STAGES if normalise_name(s) == wanted), None)


def stage_rule(to: str, probability: float | None, closed: str | None) -> StageRule | str:
    """A Stage mapping row → its rule, or the reason it cannot be used."""
    stage = _stage(to)
    if stage is None:
        return (f"'{to}' is not one of our stages ({', '.join(OPPORTUNITY_STAGES)}); map the "
                "export's stage onto one of them")
    if closed is not None and CLOSED_STAGE_OF[closed] != stage:
        return (f"Closed says {closed} but To is '{stage}'; map a closed-{closed.lower()} stage "
                f"to '{CLOSED_STAGE_OF[closed]}'")
    return StageRule(stage, probability)


def mapping_of_book(book: Book) -> tuple[Mapping, list[Finding]]:
    """The book's Mappings sheet as a Mapping; a row that cannot be used is a finding."""
    table = book.table("Mappings")
    if not len(table.frame):          # most books map nothing
        return Mapping(), []
    rows = table.rows
    stages: dict[str, StageRule] = {}
    headers: dict[str, str] = {}
    campaigns: dict[str, str] = {}
    findings: list[Finding] = []
    for record in rows.to_dict("records"):
        kind, source, to = record["Kind"], str(record["From"]), str(record["To"])
        row = int(record["_row"])
        probability = None if pd.isna(record["Probability"]) else float(record["Probability"])
        closed = None if pd.isna(record["Closed"]) else str(record["Closed"])
        problem: str | None = None
        if kind == "Stage":
            rule = stage_rule(to, probability, closed)
            if isinstance(rule, str):
                problem = rule
            else:
                stages[normalise_name(source)] = rule
        elif kind == "Header":
            target = _COLUMN_NAMES.get(normalise_name(to))
            if target is None:
                problem = f"'{to}' is not a column of any sheet; name one of ours"
            else:
                headers[normalise_name(source)] = target
        else:
            campaigns[fold(source)] = to.strip()
        if problem:
            findings.append(book.finding("value-enum", f"Mappings row {row}: {problem}",
                                         sheet="Mappings", column="To", row=row, value=to))
            table.reject([int(np.flatnonzero(table.frame["_row"].to_numpy() == row)[0])])
    return Mapping(stages, headers, campaigns), findings


MAX_TOML_BYTES = 2**20   # a mapping or ledger map is a few kB


def read_toml(path: Path, label: str, error: type[Exception]) -> dict[str, Any]:
    """A TOML file given on the command line (--map, --ledger-map): its data, or `error`
    saying plainly why not."""
    try:   # only a regular file of a bounded size (a FIFO would hang the run, /dev/zero fill memory)
        data = safety.read_side_file(path, MAX_TOML_BYTES, f"a {label}")
    except safety.Refused as refusal:
        raise error(f"{label} {refusal.message}") from None
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise error(f"{label} {path.name} cannot be read as TOML ({problem})") from None


def read_mapping_file(path: str | Path) -> Mapping:
    """A --map TOML file → Mapping; anything wrong in it is a MappingError naming the entry."""
    path = Path(path)
    data = read_toml(path, "mapping file", MappingError)
    unknown = set(data) - {"stages", "headers", "campaigns"}
    if unknown:
        raise MappingError(f"mapping file {path.name}: unknown section(s) "
                           f"{', '.join(sorted(unknown))}; use [stages], [headers], [campaigns]")
    stages: dict[str, StageRule] = {}
    for source, entry in _section(data, "stages", path).items():
        if isinstance(entry, str):
            entry = {"to": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("to"), str):
            raise MappingError(f"mapping file {path.name}: stage '{source}' needs a stage name "
                               "or {{ to = \"…\", probability = 0.5 }}")
        probability = entry.get("probability")
        if probability is not None and (isinstance(probability, bool) or not isinstance(
                probability, (int, float)) or not 0 <= probability <= 1):
            raise MappingError(f"mapping file {path.name}: stage '{source}' probability must be "
                               f"a fraction from 0 to 1, not {probability!r}")
        closed = entry.get("closed")
        if closed is not None and str(closed).title() not in CLOSED_STAGE_OF:
            raise MappingError(f"mapping file {path.name}: stage '{source}' closed must be "
                               f"\"Won\" or \"Lost\", not {closed!r}")
        rule = stage_rule(entry["to"], None if probability is None else float(probability),
                          None if closed is None else str(closed).title())
        if isinstance(rule, str):
            raise MappingError(f"mapping file {path.name}: stage '{source}': {rule}")
        stages[normalise_name(source)] = rule
    headers: dict[str, str] = {}
    for source, to in _section(data, "headers", path).items():
        target = _COLUMN_NAMES.get(normalise_name(str(to)))
        if target is None:
            raise MappingError(f"mapping file {path.name}: header '{source}' maps to '{to}', "
                               "which is not a column of any sheet")
        headers[normalise_name(source)] = target
    campaigns = {fold(source): str(to).strip()
                 for source, to in _section(data, "campaigns", path).items()}
    return Mapping(stages, headers, campaigns)


def _section(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise MappingError(f"mapping file {path.name}: [{name}] must be a table of names")
    return section


def header_aliases(mapping: Mapping | None, columns: tuple[Column, ...]) -> dict[str, Column]:
    """The mapping's Header entries that name one of `columns`: normalised header → column."""
    if not mapping:
        return {}
    by_name = {c.name: c for c in columns}
    return {key: by_name[to] for key, to in mapping.headers.items() if to in by_name}


# --- the resolving stage --------------------------------------------------------------------

def resolve_book(book: Book) -> None:
    """Stages, currencies and campaigns of the book's Opportunities, opt-outs and campaigns of
    its Leads, resolved through its mapping (the Mappings sheet, plus --map) and Rates. Runs
    once, after reading and before any check."""
    resolve_opportunities(book, book.table("Opportunities"))
    resolve_leads(book, book.table("Leads"))


def resolve_opportunities(book: Book, table: Table) -> None:
    """An Opportunities table (typed or a CRM export's share): stages, currency, campaigns."""
    resolve_stages(book, table)
    resolve_currency(book, table)
    resolve_campaigns(book, table)


def resolve_leads(book: Book, table: Table) -> None:
    """A Leads table (typed or a marketing-automation export's share): opt-outs, campaigns."""
    resolve_opt_out(book, table)
    resolve_campaigns(book, table)


NON_MARKETING = normalise_name("Non-marketing contact")


def resolve_opt_out(book: Book, table: Table) -> None:
    """HubSpot's Marketing contact status: a non-marketing contact may be sent no marketing
    email, so it counts as Opted Out (as `Unsubscribed from all email` does)."""
    frame = table.frame
    if frame.empty or "Marketing Contact Status" not in frame:
        return
    status = text_values(frame["Marketing Contact Status"])
    non_marketing = np.array([s is not None and normalise_name(str(s)) == NON_MARKETING
                              for s in status], dtype=bool)
    if non_marketing.any():
        opted = frame["Opted Out"].fillna(False).to_numpy(dtype=bool) | non_marketing
        table.frame = frame.assign(**{"Opted Out": pd.array(opted, dtype=frame["Opted Out"].dtype)})


def resolve_currency(book: Book, table: Table) -> None:
    """Amounts in another currency than the plan's → plan currency with the book's Rates (one
    conversion, `money.in_plan_currency`, as spend's); without a rate the opportunity is
    `rate-missing` at its Currency cell and left out of the figures — never guessed."""
    frame = table.frame
    if frame.empty or "Currency" not in frame or not frame["Currency"].notna().any():
        return
    plan_currency = book.plan.currency
    cents, priced, codes = in_plan_currency(
        frame["Amount"].to_numpy(dtype=np.float64, na_value=np.nan), frame["Currency"],
        exchange_rates(book.rows("Rates"), plan_currency), plan_currency)
    amount = frame["Amount"].to_numpy(dtype=np.float64, na_value=np.nan)
    converted = np.where(np.isnan(amount), np.nan, cents)
    table.frame = frame.assign(Amount=pd.array(
        [None if np.isnan(v) else int(v) for v in converted], dtype=frame["Amount"].dtype))
    missing = ~priced & ~frame["_rejected"].to_numpy() & ~np.isnan(amount)
    rows = frame["_row"].to_numpy()
    for position in np.flatnonzero(missing):
        code = codes[position]
        book.findings.append(book.finding(
            "rate-missing",
            f"no exchange rate for {code} on the Rates sheet, so this opportunity is left out "
            f"of the pipeline figures; add a row Currency {code}, Rate = {plan_currency} per "
            f"1 {code}", sheet=table.name, column="Currency", row=int(rows[position]),
            value=code))
    table.reject(np.flatnonzero(missing), "rate-missing")


def resolve_stages(book: Book, table: Table) -> None:
    """Stage text → our stage; unmapped stages one finding per value, their rows left out; a
    mapped stage's probability fills a blank Probability."""
    frame = table.frame
    if frame.empty or "Stage" not in frame:
        return
    mapping = book.mapping or Mapping()
    raw = text_values(frame["Stage"])
    keys = [None if v is None else normalise_name(v) for v in raw]
    ours = {normalise_name(s): s for s in OPPORTUNITY_STAGES}
    rules = {**{k: StageRule(s) for k, s in ours.items()}, **mapping.stages}
    found = [None if k is None else rules.get(k) for k in keys]     # lists: a few hundred rows
    mapped_probability = np.array([np.nan if r is None or r.probability is None
                                   else r.probability for r in found], dtype=float)
    probability = frame["Probability"].to_numpy(dtype=float)
    fill = np.isnan(probability) & ~np.isnan(mapped_probability)
    probability = np.where(fill, mapped_probability, probability)
    rejected = frame["_rejected"].to_numpy()
    unmapped = np.array([k is not None and r is None for k, r in zip(keys, found, strict=True)],
                        dtype=bool) & ~rejected
    stage = np.array([v if r is None else r.stage for v, r in zip(raw, found, strict=True)],
                     dtype=object)
    respelled = any(r is not None and r.stage != v for v, r in zip(raw, found, strict=True))
    # a text Stage column and a float Probability nothing changes stay as they are
    if respelled or fill.any() or not isinstance(frame["Stage"].dtype, pd.StringDtype) \
            or frame["Probability"].dtype != np.float64:
        table.frame = frame.assign(Stage=pd.array(stage, dtype=frame["Stage"].dtype),
                                   Probability=probability)
    if not unmapped.any():
        return
    rows = frame["_row"].to_numpy()
    for key in dict.fromkeys(keys[i] for i in np.flatnonzero(unmapped)):
        mine = [i for i in np.flatnonzero(unmapped).tolist() if keys[i] == key]
        first, count = mine[0], len(mine)
        value = raw[first]
        noun = "opportunity" if count == 1 else "opportunities"
        book.findings.append(book.finding(
            "stage-unmapped",
            f"stage '{value}' ({count} {noun}) is not mapped; add it to Mappings (Kind Stage, "
            f"From '{value}', To one of {', '.join(OPPORTUNITY_STAGES)}) — until then "
            f"{'it is' if count == 1 else 'they are'} left out of the figures",
            sheet="Opportunities", column="Stage", row=int(rows[first]), value=value))
    table.reject(np.flatnonzero(unmapped))


def resolve_campaigns(book: Book, table: Table) -> None:
    """Campaign ID values: mapped through Mappings (Kind Campaign), else an ID, else a campaign
    name (matched as IDs are); a name several campaigns share is left unattributed."""
    frame = table.frame
    if frame.empty or "Campaign ID" not in frame:
        return
    values = text_values(frame["Campaign ID"])
    if not any(v is not None for v in values):
        return
    mapping = book.mapping or Mapping()
    campaigns = book.table("Campaigns")
    ids = campaigns.column("Campaign ID", object, None)
    known_ids = {fold(v) for v in ids if v is not None}
    by_name: dict[str, list[str]] = {}
    names = campaigns.column("Campaign", object, None)
    for campaign_id, name in zip(ids, names, strict=True):
        if campaign_id is not None and name is not None:
            by_name.setdefault(fold(name), []).append(campaign_id)
    out = list(values)
    ambiguous: dict[str, list[int]] = {}
    unmapped: dict[str, list[int]] = {}
    stand_in = "Campaign ID" in table.fallbacks     # values of Original Source & co.
    for position, value in enumerate(values):
        if value is None:
            continue
        key = fold(value)
        if key in mapping.campaigns:
            out[position] = mapping.campaigns[key]
        elif key in known_ids:
            continue
        elif len(by_name.get(key, ())) == 1:
            out[position] = by_name[key][0]
        elif len(by_name.get(key, ())) > 1:
            ambiguous.setdefault(key, []).append(position)
            out[position] = None
        elif stand_in:
            unmapped.setdefault(key, []).append(position)
            out[position] = None
    if out != list(values):
        table.frame = frame.assign(**{"Campaign ID": pd.array(out, dtype=frame["Campaign ID"]
                                                              .dtype)})
    rows = frame["_row"].to_numpy()
    noun = "opportunities" if table.name == "Opportunities" else "leads"
    for key, positions in ambiguous.items():
        value = values[positions[0]]
        book.findings.append(book.finding(
            "campaign-ambiguous",
            f"campaign '{value}' ({len(positions)} {noun}) names several campaigns "
            f"({', '.join(by_name[key])}); use the Campaign ID or give the campaigns distinct "
            f"names — until then {'it is' if len(positions) == 1 else 'they are'} attributed "
            "to no campaign", sheet=table.name, column="Campaign ID", row=int(rows[positions[0]]),
            value=value))
    header = table.fallbacks.get("Campaign ID", "")
    for positions in unmapped.values():
        value = values[positions[0]]
        book.findings.append(book.finding(
            "source-unmapped",
            f"{header} '{value}' ({len(positions)} {noun}) names no campaign; add it to "
            f"Mappings (Kind Campaign, From '{value}', To a Campaign ID) — until then "
            f"{'it counts' if len(positions) == 1 else 'they count'} under no campaign",
            sheet=table.name, column="Campaign ID", row=int(rows[positions[0]]), value=value))
