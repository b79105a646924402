"""Vendor exports read as they come: CRM opportunities, marketing-automation leads (SPEC §3, §7).

An export is a CSV file (UTF-8 with or without a byte-order mark, or Windows-1252; comma,
semicolon, tab or pipe separated — the delimiter is the one that makes the header readable) or a
workbook (the sheet named like ours, else the first). Its header spellings are the aliases of the
sheet declaration (`sheets.OPPORTUNITIES`, `sheets.leads_sheet`) plus the Header rows of the
mapping; it is read by the team-workbook reader, so a bad cell is a finding naming the export
file and its line (row) number, never a traceback.

CSV cells are all text, so before the reader sees them the numbers and dates of typed columns are
read the way the export writes them (`Dialect`): amounts with the export's thousands and decimal
separators (a semicolon-separated file writes `1.234,50`), `DD.MM.YYYY` dates, slash dates in the
order the dialect says (Salesforce's US `MM/DD/YYYY` by default), HubSpot's `YYYY-MM-DD HH:MM`.

Several workbooks, one export (`attach_exports`): each opportunity goes to the first workbook
whose Quotas name its owner (reps match trimmed, ignoring case), each lead to the first workbook
whose Campaigns know its campaign (by ID, name or Mappings); what no workbook claims goes to the
first workbook given. The export replaces that workbook's own Opportunities / Leads rows: the
CRM is the system of record, and counting a pasted copy as well would count deals twice.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import numpy as np
import python_calamine as calamine

from . import safety
from .mappings import Mapping, fold, resolve_leads, resolve_opportunities
from .model import Book, ExportFiles, Table
from .read import SheetReader, find_header
from .sheets import OPPORTUNITIES, Kind, Sheet, leads_sheet, normalise_name
from .values import is_blank, parse_money_text

DELIMITERS = (",", ";", "\t", "|")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class ExportError(Exception):
    """An export that cannot be used at all (missing, unreadable, no header): exit status 2."""


@dataclass(frozen=True)
class Dialect:
    """How an export writes numbers and dates that are text."""

    decimal: str = "."          # decimal separator of amounts
    thousands: str = ","        # thousands separator of amounts
    # Dates that are not ISO: "MDY" (slash dates MM/DD/YYYY, dotted DD.MM.YYYY), "DMY" (day
    # first either way) or None (ISO only: a slash date is ambiguous and not read).
    date_order: str | None = "MDY"

    @classmethod
    def of_delimiter(cls, delimiter: str, date_order: str | None = "MDY") -> Dialect:
        """Excel writes `;` where the decimal separator is a comma (most of Europe)."""
        if delimiter == ";":
            return cls(",", ".", date_order)
        return cls(".", ",", date_order)


# --- rows of a file --------------------------------------------------------------------------

def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def csv_rows(data: bytes, sheet: Sheet) -> tuple[list[list[Any]], str]:
    """A CSV's rows and the delimiter that makes `sheet`'s header readable (else ',')."""
    text = decode(data)
    best: tuple[int, str, list[list[Any]]] = (-1, ",", [])
    for delimiter in DELIMITERS:
        try:
            rows = [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
        except csv.Error:   # not this delimiter: a quoted field reads as unquoted
            continue
        header = find_header(rows, sheet)
        score = -1 if header is None else _known_headers(rows[header], sheet)
        if score > best[0]:
            best = (score, delimiter, rows)
    return best[2], best[1]


def _known_headers(row: list[Any], sheet: Sheet) -> int:
    return len({normalise_name(v) for v in row if not is_blank(v)} & sheet.columns_by_header.keys())


def workbook_rows(path: Path, data: bytes, sheet: Sheet) -> tuple[str, list[list[Any]]]:
    """The sheet named like `sheet` (or its aliases), else the first sheet, of a workbook's
    bytes: refused (zip bombs, DTDs, far-away cells, encryption) before calamine sees them."""
    try:
        safety.inspect_data(path.name, path.suffix, data)
    except safety.Refused as refusal:
        raise ExportError(f"{path.name} cannot be read: {refusal.message}") from None
    workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        if not workbook.sheet_names:
            raise ExportError(f"{path.name} has no sheets")
        names = {normalise_name(n) for n in (sheet.name, *sheet.aliases)}
        title = next((t for t in workbook.sheet_names if normalise_name(t) in names),
                     workbook.sheet_names[0])
        worksheet = workbook.get_sheet_by_name(title)
        last_row, last_column = worksheet.end if worksheet.end else (-1, -1)
        safety.check_sheet_size(path.name, title, last_row + 1, last_column + 1)
        return title, worksheet.to_python(skip_empty_area=False)
    finally:
        workbook.close()


MAX_EXPORT_BYTES = 200 * 2**20   # a year of CRM or ledger lines is tens of MB (the workbook limit)


def export_bytes(path: Path, what: str = "an export") -> bytes:
    """An export's bytes: only a regular file (a FIFO or a device would hang the run), of a
    bounded size, read once — whoever parses it parses these bytes."""
    try:
        return safety.read_side_file(path, MAX_EXPORT_BYTES, what)
    except safety.Refused as refusal:
        raise ExportError(refusal.message) from None


def load_rows(path: Path, sheet: Sheet, date_order: str | None = "MDY",
              data: bytes | None = None) -> tuple[str, list[list[Any]], Dialect, str]:
    """(sheet title, rows, dialect, delimiter or '') of an export file (`data`: its bytes,
    already read); ExportError when it cannot be read."""
    if data is None:
        data = export_bytes(path)
    try:
        if path.suffix.lower() in CSV_SUFFIXES:
            rows, delimiter = csv_rows(data, sheet)
            return path.name, rows, Dialect.of_delimiter(delimiter, date_order), delimiter
        title, rows = workbook_rows(path, data, sheet)
        return title, rows, Dialect(date_order=date_order), ""
    except ExportError:
        raise
    except Exception as error:  # calamine and csv raise several types for corrupt input
        raise ExportError(f"{path.name} cannot be read ({type(error).__name__}: {error}); "
                          "export it again as CSV or .xlsx") from None


# --- text as the export writes it ------------------------------------------------------------

_NUMERIC = (Kind.MONEY, Kind.NUMBER, Kind.PERCENT)
_CURRENCY_AFFIX = re.compile(r"^\s*(?:[A-Z]{3}\s+)?(.*?)(?:\s+[A-Z]{3})?\s*$")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([./])(\d{1,2})\2(\d{4})"
                        r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?\s*$")


def number_of_text(text: str, dialect: Dialect) -> float | None:
    """`1.234,50` (decimal comma), `1,234.50`, `USD 1,234.50`, `(1,234.50)` → a number."""
    body = _CURRENCY_AFFIX.match(text)
    text = (body[1] if body else text).strip()
    thousands = dialect.thousands
    if dialect.decimal == ",":
        # `1.234,50`, `10,00`, `1.234` are decimal-comma amounts; `1234.50` (no comma, dots not
        # grouping thousands) is still a decimal point
        grouped = re.fullmatch(rf"[(\-]?\s*\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+\)?", text)
        point_last = "," in text and "." in text and text.rfind(".") > text.rfind(",")
        if ("," in text or grouped) and not point_last:
            text = text.replace(thousands, "").replace(" ", "").replace(",", ".")
    elif thousands not in (",", ""):
        text = text.replace(thousands, "")
    amount = parse_money_text(text)
    return None if amount is None else float(amount)


def date_of_text(text: str, dialect: Dialect) -> dt.date | None:
    """`31.03.2027` (day first), `03/31/2027` or `31/03/2027` as the dialect says; None when
    it is not such a date or the dialect reads ISO dates only (ISO text is the reader's own)."""
    match = _DAY_MONTH.match(text)
    if not match:
        return None
    if dialect.date_order is None:
        return None
    first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
    day_first = separator == "." or dialect.date_order == "DMY"
    day, month = (first, second) if day_first else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def typed_cells(rows: list[list[Any]], sheet: Sheet, dialect: Dialect,
                mapping: Mapping | None = None) -> list[list[Any]]:
    """Text numbers and dates of `sheet`'s typed columns read as the export writes them
    (a copy; a cell that does not read stays as it was, for the reader to report)."""
    header = find_header(rows, sheet)
    if header is None:
        return rows
    from .mappings import header_aliases
    by_key = {**header_aliases(mapping, sheet.columns), **sheet.columns_by_header,
              **{normalise_name(h): c for c in sheet.columns for h in c.percent_headers}}
    kinds = {position: by_key[normalise_name(v)].kind for position, v in enumerate(rows[header])
             if not is_blank(v) and normalise_name(v) in by_key}
    out = [list(row) for row in rows]
    for row in out[header + 1:]:
        for position, kind in kinds.items():
            if position >= len(row) or not isinstance(row[position], str) \
                    or not row[position].strip():
                continue
            text = row[position]
            if kind in _NUMERIC:
                number = number_of_text(text.rstrip("% "), dialect) \
                    if kind is not Kind.MONEY else number_of_text(text, dialect)
                if number is not None and not (kind is Kind.PERCENT and "%" in text):
                    row[position] = number
            elif kind is Kind.DATE:
                day = date_of_text(text, dialect)
                if day is not None:
                    row[position] = day
    return out


# --- an export as a table --------------------------------------------------------------------

@dataclass
class Export:
    """An export read as one of our sheets: the table (origin = the file) and its findings."""

    table: Table
    findings: list


def read_export(path: str | Path, sheet: Sheet, mapping: Mapping | None = None) -> Export:
    """Read an export file as `sheet` (Opportunities or a book's Leads)."""
    path = Path(path)
    title, rows, dialect, _ = load_rows(path, sheet)
    holder = Book(path=path, name=path.name, mapping=mapping)
    table = SheetReader(holder, sheet, title).read(typed_cells(rows, sheet, dialect, mapping))
    missing = [f.column for f in holder.findings if f.code == "column-missing"]
    if missing:
        names = ", ".join(dict.fromkeys(c for c in missing if c))
        raise ExportError(f"{path.name} has no {names} column; its header row needs "
                          f"{', '.join(c.name for c in sheet.required_columns)} (or the "
                          "export's own spelling of them, or a Header row on Mappings)")
    table.origin = path.name
    return Export(table, holder.findings)


def _share(table: Table, keep: np.ndarray) -> Table:
    """The rows of an export one workbook gets (positions kept for provenance)."""
    return replace(table, frame=table.frame[keep].reset_index(drop=True),
                   letters=dict(table.letters), extra_columns=list(table.extra_columns),
                   fallbacks=dict(table.fallbacks))


@dataclass(frozen=True)
class BookClaims:
    """What a workbook claims of the exports: the reps its Quotas name and the campaigns it
    knows (IDs, names, Mappings sources), folded. Small and picklable: a consolidation worker
    sends it back so the parent can share the exports out without holding any book."""

    reps: frozenset[str] = frozenset()
    campaigns: frozenset[str] = frozenset()
    # how the first workbook reads the exports: its mapping and its Lead Stages
    mapping: Mapping | None = None
    lead_stages: tuple[str, ...] = ()

    @classmethod
    def of(cls, book: Book) -> BookClaims:
        reps = book.rows("Quotas")["Rep"].to_numpy(dtype=object, na_value=None)
        frame = book.rows("Campaigns")
        names = [*frame["Campaign ID"].to_numpy(dtype=object, na_value=None),
                 *frame["Campaign"].to_numpy(dtype=object, na_value=None),
                 *(book.mapping or Mapping()).campaigns]
        return cls(frozenset(fold(r) for r in reps if r is not None),
                   frozenset(fold(n) for n in names if n is not None),
                   book.mapping, tuple(book.plan.lead_stages))


@dataclass
class ExportShare:
    """One workbook's rows of the exports (None: that export was not given) and, for the first
    workbook, the findings of reading them."""

    opportunities: Table | None = None
    leads: Table | None = None
    findings: list = field(default_factory=list)


def _first_claim(claims: Sequence[BookClaims], values: np.ndarray, kind: str) -> np.ndarray:
    """For each value, the first book whose claims of `kind` hold it (else 0, the first)."""
    owner_of: dict[str, int] = {}
    for index, claim in reversed(list(enumerate(claims))):
        for key in getattr(claim, kind):
            owner_of[key] = index
    keys = [fold(v) if v is not None else "" for v in values]
    return np.array([owner_of.get(k, 0) if k else 0 for k in keys], dtype=np.int64)


def share_exports(claims: Sequence[BookClaims], files: ExportFiles) -> list[ExportShare]:
    """Read each export once — with the first workbook's mapping and Lead Stages — and share
    its rows out: an opportunity to the first workbook whose Quotas name its owner, a lead to
    the first that knows its campaign, the rest to the first workbook."""
    shares = [ExportShare() for _ in claims]
    if not shares:
        return shares
    mapping, lead_stages = claims[0].mapping, claims[0].lead_stages
    if files.crm is not None:
        export = read_export(files.crm, OPPORTUNITIES, mapping)
        owner = _first_claim(claims, export.table.frame["Rep"].to_numpy(
            dtype=object, na_value=None), "reps")
        shares[0].findings += export.findings
        for index, share in enumerate(shares):
            share.opportunities = _share(export.table, owner == index)
    if files.leads is not None:
        export = read_export(files.leads, leads_sheet(lead_stages), mapping)
        owner = _first_claim(claims, export.table.frame["Campaign ID"].to_numpy(
            dtype=object, na_value=None), "campaigns")
        shares[0].findings += export.findings
        for index, share in enumerate(shares):
            share.leads = _share(export.table, owner == index)
    return shares


def attach_share(book: Book, share: ExportShare) -> None:
    """Give a (readable) book its rows of the exports, resolved through its mapping."""
    book.findings += share.findings
    if share.opportunities is not None:
        book.tables["Opportunities"] = share.opportunities
        resolve_opportunities(book, share.opportunities)     # stages, currency, campaigns
    if share.leads is not None:
        book.tables["Leads"] = share.leads
        resolve_leads(book, share.leads)                     # opt-out, campaigns


def attach_exports(books: Sequence[Book], files: ExportFiles) -> None:
    """Give each (readable) book its share of the exports, resolved through its mapping.

    The export is read once, with the first book's Mappings and Lead Stages; its reading
    findings go to the first book (they name the export file)."""
    books = [b for b in books if b.readable]
    if not books or not files:
        return
    shares = share_exports([BookClaims.of(b) for b in books], files)
    for book, share in zip(books, shares, strict=True):
        attach_share(book, share)


# --- the demo's exports ---------------------------------------------------------------------

EXAMPLE_CRM_TEAM = 0                       # the first demo team
SALESFORCE_STAGES = {"Prospecting": "Prospecting", "Qualification": "Qualification",
                     "Proposal": "Proposal/Price Quote", "Negotiation": "Negotiation/Review",
                     "Closed Won": "Closed Won", "Closed Lost": "Closed Lost"}
SALESFORCE_HEADER = ("Opportunity ID", "Opportunity Owner", "Opportunity Name", "Account Name",
                     "Stage", "Amount", "Probability (%)", "Close Date", "Created Date",
                     "Primary Campaign Source", "Currency")
HUBSPOT_CONTACTS_HEADER = ("Record ID", "First Name", "Last Name", "Email", "Contact owner",
                           "Lifecycle Stage", "Create Date",
                           "Became a Marketing Qualified Lead Date",
                           "Became a Sales Qualified Lead Date", "Became an Opportunity Date",
                           "Original Source", "Unsubscribed from all email", "Campaign ID")


def example_stage_map() -> str:
    """The --map file for the demo CRM export: Salesforce's stage names onto ours (Discovery,
    a stage the team added in the CRM, deliberately left out: it shows as stage-unmapped)."""
    lines = ["# Salesforce stage names → MOM's stages (mom pipeline --map)", "[stages]"]
    lines += [f'"{theirs}" = "{ours}"' for ours, theirs in SALESFORCE_STAGES.items()
              if theirs != ours]
    return "\n".join(lines) + "\n"


def _us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def example_crm_export(index: int, today: dt.date) -> list[list[str]]:
    """Demo team `index`'s opportunities as a Salesforce opportunity report exports them (CSV
    rows): Salesforce's stage names and headers, US dates, campaign names, percent
    probabilities; every tenth open deal in a 'Discovery' stage no mapping knows."""
    from .demo import demo_team_data
    from .sheets import OPPORTUNITY_STAGES
    data = demo_team_data(index, today)
    currency = data["plan"]["Currency"]
    names = {c["Campaign ID"]: c["Campaign"] for c in data["tables"]["Campaigns"]}
    rows = [list(SALESFORCE_HEADER)]
    for n, deal in enumerate(data["tables"]["Opportunities"]):
        stage = SALESFORCE_STAGES[deal["Stage"]]
        if n % 10 == 3 and not deal["Stage"].startswith("Closed"):
            stage = "Discovery"
        rows.append([deal["Opportunity ID"], deal["Rep"], f"{deal['Account']} expansion",
                     deal["Account"], stage, f"{float(deal['Amount']):.2f}",
                     f"{OPPORTUNITY_STAGES[deal['Stage']] * 100:g}", _us_date(deal["Close Date"]),
                     _us_date(deal["Created"]), names.get(deal["Campaign ID"], ""), currency])
    return rows


def example_leads_export(index: int, today: dt.date) -> list[list[str]]:
    """Demo team `index`'s leads as a HubSpot contacts export (CSV rows): lifecycle dates as
    `YYYY-MM-DD HH:MM`, no SAL (HubSpot has none), the Campaign ID custom property."""
    from .demo import demo_team_data
    data = demo_team_data(index, today)
    rows = [list(HUBSPOT_CONTACTS_HEADER)]
    lifecycle = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity")
    for n, lead in enumerate(data["tables"]["Leads"]):
        dates = [lead.get(f"{stage} Date") for stage in ("MQL", "SQL", "Opportunity")]
        reached = sum(d is not None for d in dates)
        stamp = [f"{d.isoformat()} {9 + n % 8:02d}:{(7 * n) % 60:02d}" if d else ""
                 for d in dates]
        rows.append([lead["Lead ID"].split("-")[-1].lstrip("0") or "0", "Contact", f"{n + 1}",
                     f"contact{n + 1}@example.com", lead["Owner"], lifecycle[reached],
                     f"{lead['Inquiry Date'].isoformat()} 08:30", *stamp, "Paid Search",
                     "true" if lead.get("Opted Out") == "Yes" else "false", lead["Campaign ID"]])
    return rows


def write_demo_exports(out_dir: Path, today: dt.date) -> list[Path]:
    """`mom demo`'s CRM export, its stage map and its leads export, for the first team."""
    from .report.files import atomic_path
    written = []
    for name, rows in (("crm_export.csv", example_crm_export(EXAMPLE_CRM_TEAM, today)),
                       ("leads_export.csv", example_leads_export(EXAMPLE_CRM_TEAM, today))):
        with atomic_path(out_dir / name) as temporary, open(temporary, "w", newline="",
                                                             encoding="utf-8-sig") as handle:
            csv.writer(handle).writerows(rows)
        written.append(out_dir / name)
    with atomic_path(out_dir / "crm_map.toml") as temporary:
        Path(temporary).write_text(example_stage_map(), encoding="utf-8")
    written.append(out_dir / "crm_map.toml")
    return written
