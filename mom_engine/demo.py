"""Realistic demo team workbooks, made from the team template (`mom demo`).

Each team gets its own seeded random plan — sizes, currencies, fiscal-year starts and statuses
vary — and a few of the mistakes real planners make (an amount typed as text, a duplicated PO,
an invoice without PO, an overspent activity, reversed task dates, a budget row for an unknown
activity), so the findings have something to show. Deterministic: the same team number always
gives the same workbook.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .calendar import add_months, fiscal_year_bounds, quarter_label
from .report.team_workbook import write_team_workbook
from .sheets import OPPORTUNITY_STAGES

TEAMS = ("Demand Gen", "Field Marketing", "Product Marketing", "Brand", "Digital", "Events",
         "Partner Marketing", "Content", "Customer Marketing", "ABM")
REGIONS = ("NA", "EMEA", "APAC", "LATAM", "DACH", "UK", "Nordics", "ANZ", "Japan", "France")
CURRENCIES = (("USD", 1.0), ("EUR", 1.08), ("GBP", 1.27))
FY_STARTS = (1, 1, 2, 4, 7, 10)
PRODUCTS = ("Analytics Cloud", "Data Platform", "Security Suite", "Edge Gateway")
SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Public Sector")
CHANNELS = ("Email", "Paid Social", "Search", "Events", "Webinar", "Content Syndication",
            "Direct Mail", "Partner")
GL_ACCOUNTS = {"Advertising": "610100", "Events": "610200", "Content": "610300",
               "Agency Fees": "610400", "Software": "610500", "Travel": "610600"}
ACTIVITY_TYPES = {"Paid Media": "Advertising", "Trade Show": "Events", "Webinar": "Events",
                  "eBook": "Content", "Agency Retainer": "Agency Fees",
                  "Martech Licence": "Software", "Field Event": "Travel", "Video": "Content"}
VENDORS = ("Acme Media", "BrightEvents GmbH", "Contoso Creative", "Northwind Studios",
           "Fabrikam Print", "Globex Ads", "Initech Research", "Umbrella Venues")
ROLES = ("Copywriter", "Designer", "Campaign Manager", "Web Producer", "Legal Review",
         "Brand Review")
PEOPLE = ("Ana Ruiz", "Ben Okafor", "Chen Wei", "Dana Kim", "Elif Demir", "Farid Haddad",
          "Grace Liu", "Hugo Martin", "Ines Costa", "Jonas Berg", "Kira Novak", "Liam Walsh")
REPS = ("Maya Patel", "Noah Fischer", "Olivia Brown", "Pedro Alves", "Quinn Taylor",
        "Rosa Marin", "Sam Carter", "Tara Singh")
ASSET_TYPES = ("Logo", "eBook", "Case Study", "Video", "Banner", "Slide Deck", "Datasheet")
TASK_NAMES = ("Brief", "Copy", "Design", "Build landing page", "Legal review", "Launch",
              "Report results")


@dataclass(frozen=True)
class DemoTeam:
    index: int
    name: str
    path: Path


def team_name(index: int) -> str:
    return f"{REGIONS[index % len(REGIONS)]} {TEAMS[(index // len(REGIONS)) % len(TEAMS)]}"


def make_demo_books(out_dir: str | Path, teams: int = 6, *, today: dt.date | None = None,
                    workers: int = 1, progress: Any = None) -> list[Path]:
    """Write `teams` demo workbooks into out_dir; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    today = today or dt.date.today()
    jobs = [(index, out, today) for index in range(teams)]
    if workers > 1 and teams > 20:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers) as pool:
            paths = []
            for path in pool.map(_make_one, jobs, chunksize=8):
                paths.append(path)
                if progress:
                    progress()
            return paths
    paths = []
    for job in jobs:
        paths.append(_make_one(job))
        if progress:
            progress()
    return paths


def _make_one(job: tuple[int, Path, dt.date]) -> Path:
    index, out, today = job
    slug = team_name(index).lower().replace(" ", "-")
    path = out / f"team-{index + 1:04d}-{slug}.xlsx"
    data = demo_team_data(index, today)
    write_team_workbook(path, **data)
    return path


def _demo_tasks(rng: random.Random, activity_id: str, kind: str, start: dt.date,
                today: dt.date) -> list[dict[str, Any]]:
    """The Tasks rows of one demo activity: a chain of 2–5 tasks from its start, done, under
    way or not started as of `today`."""
    tasks: list[dict[str, Any]] = []
    task_start = start
    for t, task in enumerate(TASK_NAMES[: rng.randint(2, 5)]):
        planned_start = task_start + dt.timedelta(days=rng.randint(0, 5))
        planned_finish = planned_start + dt.timedelta(days=rng.randint(2, 15))
        task_start = planned_finish
        done = planned_finish < today - dt.timedelta(days=rng.randint(0, 20))
        started = planned_start <= today
        under_way = not done and started and rng.random() < 0.8
        progress = 1.0 if done else (round(rng.uniform(0.1, 0.9), 2) if under_way else 0.0)
        submitted = planned_finish - dt.timedelta(days=2) if progress >= 0.9 else None
        actual_start = (planned_start + dt.timedelta(days=rng.randint(0, 3))
                        if progress > 0 else None)
        actual_finish = (max(actual_start, planned_finish + dt.timedelta(days=rng.randint(-1, 4)))
                         if done else None)
        tasks.append({
            "Task ID": f"{activity_id}-T{t + 1}", "Activity ID": activity_id,
            "Task": task, "Deliverable": f"{kind} {task.lower()}",
            "Role": rng.choice(ROLES), "Assignee": rng.choice(PEOPLE),
            "Resource Type": rng.choice(("Internal", "Internal", "External")),
            "Planned Start": planned_start, "Planned Finish": planned_finish,
            "Actual Start": actual_start, "Actual Finish": actual_finish,
            "% Complete": progress,
            "Status": "Done" if done else ("In Progress" if progress > 0 else "Not Started"),
            "Submitted On": submitted,
            "Approved On": (submitted + dt.timedelta(days=rng.randint(1, 8))
                            if submitted and done else None),
            "Approver": rng.choice(PEOPLE) if submitted else None,
            "Planned Hours": rng.choice((4, 8, 16, 24, 40)),
            "Actual Hours": rng.choice((4, 8, 12, 16, 30, 48)) if done else None,
        })
    return tasks


def _demo_invoices(rng: random.Random, po_number: int, po_amount: float, issue: dt.date,
                   vendor: str, gl: Any, today: dt.date) -> list[dict[str, Any]]:
    """Up to three monthly invoices against one demo PO, none dated after `today`."""
    invoices: list[dict[str, Any]] = []
    for i in range(rng.randint(0, 3)):
        invoice_date = issue + dt.timedelta(days=30 * (i + 1))
        if invoice_date > today:
            break
        invoices.append({
            "Invoice No": f"INV-{po_number % 100000}-{i + 1}",
            "PO Number": str(po_number), "Vendor": vendor,
            "Amount": round(po_amount * rng.uniform(0.2, 0.33), 2),
            "Invoice Date": invoice_date, "GL Account": gl,
            "Status": rng.choice(("Received", "Approved", "Paid")),
        })
    return invoices


def _demo_opportunity(rng: random.Random, opportunity_id: str, reps: list[str],
                      campaigns: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    """One demo Opportunities row; closed ones closed in the past year."""
    rep = rng.choice(reps)
    stage = rng.choice(list(OPPORTUNITY_STAGES))
    close = today + dt.timedelta(days=rng.randint(-300, 150))
    if stage.startswith("Closed"):
        close = today - dt.timedelta(days=rng.randint(1, 330))
    return {
        "Opportunity ID": opportunity_id, "Rep": rep,
        "Account": f"Account {rng.randint(1, 400)}",
        "Campaign ID": rng.choice(campaigns)["Campaign ID"] if rng.random() < 0.7 else None,
        "Stage": stage, "Amount": rng.choice((12_000, 25_000, 40_000, 60_000, 90_000, 150_000)),
        "Created": close - dt.timedelta(days=rng.randint(30, 120)), "Close Date": close,
    }


def demo_team_data(index: int, today: dt.date) -> dict[str, Any]:
    """Plan, tables and lists for demo team `index` (deterministic)."""
    rng = random.Random(1000 + index)
    fy_start = FY_STARTS[index % len(FY_STARTS)]
    currency, _ = CURRENCIES[index % 5 % 3] if index % 5 < 3 else CURRENCIES[0]
    fiscal_year = today.year + (1 if fy_start != 1 and today.month >= fy_start else 0)
    first, last = fiscal_year_bounds(fiscal_year, fy_start)
    name = team_name(index)
    plan_id = f"{name.upper().replace(' ', '-')}-FY{fiscal_year}-{index + 1:04d}"
    status = "Approved" if index % 7 else rng.choice(("Draft", "Submitted"))
    approved_on = first - dt.timedelta(days=rng.randint(10, 40))
    plan: dict[str, Any] = {
        "Plan ID": plan_id, "Team": name, "Owner": rng.choice(PEOPLE),
        "Fiscal Year": fiscal_year, "FY Start Month": fy_start, "Currency": currency,
        "Status": status, "Coverage Target": 2.5, "Overspend Tolerance %": 0.0,
        "Overspend Severity": "error", "PO Required": "Yes",
        "Lead Stages": "MQL, SQL, SAL, Opportunity", "SLA Stage": "SQL", "SLA Days": 10,
        "SPI Threshold": 0.9,
    }
    if status == "Approved":
        plan["Approved By"] = rng.choice(PEOPLE)
        plan["Approved On"] = approved_on

    size = rng.choice((1, 1, 2, 2, 3))                 # small, medium, large teams
    objectives = [
        {"Objective ID": f"OBJ-{n}", "Objective": goal, "Corporate Goal": corporate,
         "KPI": kpi, "Target": target}
        for n, (goal, corporate, kpi, target) in enumerate([
            ("Grow qualified pipeline", "Revenue growth", "Pipeline sourced", 5_000_000),
            ("Launch new product in region", "New markets", "MQLs", 2_000),
            ("Raise brand awareness", "Brand", "Share of voice %", 0.25),
        ][: 1 + size], start=1)
    ]
    campaigns, activities, budget, tasks, pos, invoices = [], [], [], [], [], []
    po_counter = 4500000000 + index * 1000
    months = [add_months(first, m) for m in range(12)]
    for c in range(rng.randint(2, 3) * size):
        campaign_id = f"CMP-{c + 1:03d}"
        start = months[rng.randint(0, 7)]
        end = add_months(start, rng.randint(2, 4)) - dt.timedelta(days=1)
        channel = rng.choice(CHANNELS)
        expected_leads = rng.randint(50, 800)
        campaigns.append({
            "Campaign ID": campaign_id,
            "Campaign": f"{rng.choice(PRODUCTS)} "
                        f"{rng.choice(('launch', 'push', 'nurture', 'roadshow', 'summit'))}",
            "Objective ID": rng.choice(objectives)["Objective ID"],
            "Product": rng.choice(PRODUCTS), "Segment": rng.choice(SEGMENTS),
            "Channel": channel, "Owner": rng.choice(PEOPLE), "Start": start, "End": end,
            "Status": "Active" if start <= today <= end else ("Completed" if end < today else "Planned"),
            "Expected Leads": expected_leads,
            "Expected Pipeline": expected_leads * rng.choice((800, 1200, 2000)),
            "Expected Revenue": expected_leads * rng.choice((150, 250, 400)),
        })
        for a in range(rng.randint(2, 4)):
            activity_id = f"{campaign_id}-A{a + 1}"
            kind = rng.choice(list(ACTIVITY_TYPES))
            gl = GL_ACCOUNTS[ACTIVITY_TYPES[kind]]
            vendor = rng.choice(VENDORS)
            activities.append({
                "Activity ID": activity_id, "Campaign ID": campaign_id,
                "Activity": f"{kind} — {rng.choice(SEGMENTS)}", "Type": kind, "GL Account": gl,
                "Owner": rng.choice(PEOPLE), "Vendor": vendor, "Start": start, "End": end,
            })
            monthly = rng.choice((1500, 2500, 4000, 6000, 9000))
            total_budget = 0
            for m in range(12):
                amount = round(monthly * rng.uniform(0.6, 1.4), -1)
                total_budget += amount
                budget.append({"Activity ID": activity_id, "Month": months[m],
                               "Budgeted": amount,
                               "Planned": round(amount * rng.uniform(0.85, 1.0), 2)})
            tasks.extend(_demo_tasks(rng, activity_id, kind, start, today))
            # purchase orders and invoices
            issue = max(approved_on + dt.timedelta(days=1), start - dt.timedelta(days=20))
            if rng.random() < 0.75 and status == "Approved" and issue <= today:
                po_counter += 1
                po_amount = round(total_budget * rng.uniform(0.3, 0.7), -2)
                po_status = rng.choice(("Open", "Open", "Open", "Closed"))
                pos.append({"PO Number": po_counter, "Activity ID": activity_id,
                            "Vendor": vendor, "Amount": po_amount, "Issue Date": issue,
                            "Status": po_status})
                invoices.extend(_demo_invoices(rng, po_counter, po_amount, issue, vendor, gl, today))
    reps = rng.sample(REPS, k=min(len(REPS), 2 + size))
    opportunities, quotas = [], []
    year, quarter = _quarter_of(today, fy_start)
    for q_offset in (-4, -3, -2, -1, 0, 1):
        qy, qq = _shift_quarter(year, quarter, q_offset)
        for rep in reps:
            label = quarter_label(qy, qq)
            quotas.append({"Rep": rep, "Quarter": label, "Quota": rep_quota(rep, label)})
    for n in range(rng.randint(15, 40) * size):
        opportunities.append(_demo_opportunity(rng, f"OPP-{index + 1:04d}-{n + 1:04d}", reps,
                                               campaigns, today))
    leads = []
    for n in range(rng.randint(40, 120) * size):
        inquiry = today - dt.timedelta(days=rng.randint(5, 200))
        row: dict[str, Any] = {"Lead ID": f"L-{index + 1:04d}-{n + 1:05d}",
                               "Campaign ID": rng.choice(campaigns)["Campaign ID"],
                               "Account": f"Account {rng.randint(1, 400)}",
                               "Owner": rng.choice(reps), "Inquiry Date": inquiry,
                               "Status": "Open", "Opted Out": "No"}
        day = inquiry
        for stage in ("MQL", "SQL", "SAL", "Opportunity"):
            if rng.random() > 0.6:
                break
            day = day + dt.timedelta(days=rng.randint(1, 12))
            if day > today:
                break
            row[f"{stage} Date"] = day
        stuck_at_sla = "SQL Date" in row and "SAL Date" not in row and \
            (today - row["SQL Date"]).days > 14
        if rng.random() < 0.08 or (stuck_at_sla and rng.random() < 0.9):
            # Sales works most leads within the SLA: an unaccepted SQL goes back to nurture.
            row["Status"] = "Recycled"
            row["Recycle Reason"] = rng.choice(("No response", "Not a buyer yet", "Timing"))
        elif rng.random() < 0.02:
            row["Opted Out"] = "Yes"
        leads.append(row)
    assets = [
        {"Asset ID": f"AST-{index + 1:04d}-{n + 1:03d}",
         "Asset": f"{rng.choice(PRODUCTS)} {rng.choice(ASSET_TYPES).lower()}",
         "Type": rng.choice(ASSET_TYPES), "Product": rng.choice(PRODUCTS),
         "Segment": rng.choice(SEGMENTS), "Region": REGIONS[index % len(REGIONS)],
         "Tags": ", ".join(rng.sample(("launch", "security", "cloud", "roi", "customer", "2027"), 2)),
         "Status": rng.choice(("Draft", "Approved", "Approved", "Retired")),
         "Expires": today + dt.timedelta(days=rng.randint(-60, 400)),
         "Location": f"https://dam.example.com/assets/{index + 1}/{n + 1}"}
        for n in range(rng.randint(4, 12) * size)
    ]
    rates = [{"Currency": code, "Rate": round(rate / dict(CURRENCIES)[currency], 6)}
             for code, rate in CURRENCIES if code != currency]
    _add_mistakes(rng, index, budget, pos, invoices, tasks, activities)
    people = _add_people(index, tasks, today)
    _set_expectations(index, campaigns, leads, opportunities)
    return {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "tables": {
            "Objectives": objectives, "Campaigns": campaigns, "Activities": activities,
            "Budget": budget, "Tasks": tasks, "PurchaseOrders": pos, "Invoices": invoices,
            "Rates": rates, "Opportunities": opportunities, "Quotas": quotas, "Leads": leads,
            "Assets": assets, "People": people,
        },
        "lists": {
            "Channels": list(CHANNELS), "Segments": list(SEGMENTS), "Products": list(PRODUCTS),
            "GL Accounts": sorted(GL_ACCOUNTS.values()), "Roles": list(ROLES),
            "Vendors": list(VENDORS), "Reps": reps, "Activity Types": list(ACTIVITY_TYPES),
            "Asset Types": list(ASSET_TYPES), "Regions": list(REGIONS),
        },
    }


def rep_quota(rep: str, quarter: str) -> int:
    """A rep's quota for a quarter: the same in every team workbook that lists the rep (a rep
    sells for several marketing teams; sales ops sets one quota)."""
    return random.Random(f"{rep}|{quarter}").choice((150_000, 200_000, 250_000, 300_000))


def _quarter_of(day: dt.date, fy_start: int) -> tuple[int, int]:
    from .calendar import fiscal_quarter
    return fiscal_quarter(day, fy_start)


def _shift_quarter(year: int, quarter: int, offset: int) -> tuple[int, int]:
    index = year * 4 + (quarter - 1) + offset
    return index // 4, index % 4 + 1


def _set_expectations(index: int, campaigns: list, leads: list, opportunities: list) -> None:
    """Expectations a planner would set: near what each campaign delivers (80–120 %), except
    one campaign per team that trails its targets at about half (`campaign-underperforming`).
    Its own random stream, so the rest of the demo data stays as it was."""
    rng = random.Random(f"expectations-{index}")
    trailing = rng.randrange(len(campaigns)) if campaigns else -1
    for n, campaign in enumerate(campaigns):
        mine = campaign["Campaign ID"]
        got_leads = sum(1 for lead in leads if lead["Campaign ID"] == mine)
        deals = [o for o in opportunities if o["Campaign ID"] == mine]
        got_pipeline = sum(o["Amount"] for o in deals)
        got_won = sum(o["Amount"] for o in deals if o["Stage"] == "Closed Won")
        factor = 2.0 if n == trailing else 1 / rng.uniform(0.8, 1.2)
        campaign["Expected Leads"] = max(1, round(got_leads * factor))
        campaign["Expected Pipeline"] = round(got_pipeline * factor, -3) or None
        campaign["Expected Revenue"] = round(got_won * factor, -3) or None   # none won: none


def _add_people(index: int, tasks: list, today: dt.date) -> list[dict[str, Any]]:
    """The People sheet (role, capacity, hourly cost) and, in every third team, a designer
    booked past her week: a 60-hour design sprint in the current week (`over-allocated`).
    Its own random stream, so the rest of the demo data stays as it was."""
    rng = random.Random(f"people-{index}")
    people = [{"Person": person, "Role": ROLES[n % len(ROLES)],
               "Resource Type": "External" if n % 6 == 5 else "Internal",
               "Hours per Week": 24 if n == 7 else 40,
               "Cost Rate": rng.choice((55, 70, 85, 110)) if n % 6 != 5 else 150}
              for n, person in enumerate(PEOPLE)]
    if index % 3 == 0 and tasks:
        monday = today - dt.timedelta(days=today.weekday())
        designer = next(p["Person"] for p in people if p["Role"] == "Designer")
        tasks.append({**tasks[0], "Task ID": f"{tasks[0]['Activity ID']}-SPRINT",
                      "Task": "Design sprint", "Deliverable": "Campaign key visuals",
                      "Role": "Designer", "Assignee": designer, "Resource Type": "Internal",
                      "Planned Start": monday, "Planned Finish": monday + dt.timedelta(days=4),
                      "Actual Start": monday, "Actual Finish": None, "% Complete": 0.2,
                      "Status": "In Progress", "Submitted On": None, "Approved On": None,
                      "Approver": None, "Planned Hours": 60, "Actual Hours": None})
    return people


def _add_mistakes(rng: random.Random, index: int, budget: list, pos: list, invoices: list,
                  tasks: list, activities: list) -> None:
    """The realistic slips a planner makes; roughly one or two per team."""
    kind = index % 6
    if kind == 0 and budget:
        row = rng.choice(budget)
        row["Budgeted"] = f"{row['Budgeted']:,.2f}"                  # number-as-text
    elif kind == 1 and pos:
        pos.append({**pos[-1], "Amount": pos[-1]["Amount"] / 2})     # id-duplicate
    elif kind == 2 and invoices:
        invoices.append({**invoices[-1], "Invoice No": invoices[-1]["Invoice No"] + "-X",
                         "PO Number": None, "Activity ID": pos[-1]["Activity ID"]})
    elif kind == 3 and tasks:
        task = rng.choice(tasks)
        task["Planned Start"], task["Planned Finish"] = task["Planned Finish"], task["Planned Start"]
    elif kind == 4 and budget:
        budget.append({**budget[0], "Activity ID": "CMP-999-A1"})   # ref-unknown
    elif kind == 5 and pos:
        pos[0]["Amount"] = pos[0]["Amount"] * 4                       # overspend
