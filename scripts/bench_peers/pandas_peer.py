"""The accuracy marts as an analyst would compute them with pandas, from the landing CSVs.

An analyst reads each file with `pd.read_csv`, keeps only the columns the figures need and
never touches the personal ones (names, dates of birth, addresses): the marts do not use them,
so there is nothing to pseudonymise. Everything else follows the pipeline's rules, because
the figures must be identical:
- a row counts only if the loader would load it: required values present, timestamps, dates,
  integers and booleans parseable, no repeat of a key earlier in the same file, an `audit`
  sheet naming its own force folder;
- timestamps are UK local time unless they carry an offset, compared in UTC (a DST change
  between an incident and its crime counts as the real elapsed time);
- the latest version of each key wins (latest export date, then the later file, then the later
  row), offence codes are normalised as the dbt macro does;
- expected crimes are paired with recorded ones in the three passes of DESIGN.md.
Canonical CSV landing folders only (see bare.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.settings import DBT_PROJECT_DIR

UK = "Europe/London"
Z = 1.96

# kind -> (glob, columns read, required among them, key within a file / of a version)
EXPORTS = {
    "incidents": ("*/????-??-??/incidents.csv", ["incident_id", "received_at"],
                  ["incident_id", "received_at"], ["incident_id"]),
    "crimes": ("*/????-??-??/crimes.csv",
               ["crime_id", "incident_id", "reported_at", "recorded_at", "offence_code"],
               ["crime_id", "reported_at", "recorded_at", "offence_code"], ["crime_id"]),
    "crime_decisions": ("*/????-??-??/crime_decisions.csv",
                        ["crime_id", "decided_at", "decision", "victim_informed"],
                        ["crime_id", "decided_at", "decision"], ["crime_id", "decision"]),
    "disposals": ("*/????-??-??/disposals.csv", ["crime_id", "disposal_type", "issued_at"],
                  ["crime_id", "disposal_type", "issued_at"], ["crime_id", "disposal_type"]),
}
_REVIEW = ["audit_id", "crime_id", "reviewed_at", "verdict"]
AUDITS = {
    "audit": ("*/audits/*/audit.csv",
              ["audit_id", "force_id", "period_start", "period_end", "time_limit_hours"],
              ["audit_id", "force_id", "period_start", "period_end", "time_limit_hours"], ["audit_id"]),
    "incident_reviews": ("*/audits/*/incident_reviews.csv",
                         ["audit_id", "incident_id", "reviewed_at", "expected_offence_code", "auditor_ref"],
                         ["audit_id", "incident_id", "reviewed_at", "auditor_ref"], []),  # no key
    "no_crime_reviews": ("*/audits/*/no_crime_reviews.csv", _REVIEW, _REVIEW, ["audit_id", "crime_id"]),
    "disposal_reviews": ("*/audits/*/disposal_reviews.csv", _REVIEW, _REVIEW, ["audit_id", "crime_id"]),
}
TIMESTAMPS = {"received_at", "reported_at", "recorded_at", "decided_at", "issued_at", "reviewed_at"}
_OFFSET = r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$"


def _read(landing: Path, pattern: str, columns: list[str]) -> pd.DataFrame:
    """All files of one kind; text trimmed (spaces, as DuckDB's trim), blanks missing."""
    frames = []
    for path in sorted(landing.glob(pattern)):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in columns)
        frame = frame.reindex(columns=columns)  # an optional column may be left out
        rel = path.relative_to(landing).parts
        frames.append(frame.assign(force_id_path=rel[0], folder=rel[1], _file="/".join(rel),
                                   _row=np.arange(1, len(frame) + 1)))
    if not frames:
        return pd.DataFrame(columns=[*columns, "force_id_path", "folder", "_file", "_row"])
    data = pd.concat(frames, ignore_index=True)
    for column in columns:
        text = data[column].str.strip(" ")
        data[column] = text.mask(text == "")
    return data


def _utc(text: pd.Series) -> pd.Series:
    """The loader's TIMESTAMPTZ parse: an explicit offset is honoured, the rest is UK local
    (an autumn repeated hour reads as GMT, a spring missing hour moves forward), as UTC."""
    offset = text.str.contains(_OFFSET, regex=True, na=False)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    local = pd.to_datetime(text[~offset], format="ISO8601", errors="coerce")
    out[~offset] = (local.dt.tz_localize(UK, ambiguous=False, nonexistent=pd.Timedelta(hours=1))
                    .dt.tz_convert("UTC").dt.tz_localize(None))
    if offset.any():
        out[offset] = pd.to_datetime(text[offset], format="ISO8601", utc=True, errors="coerce").dt.tz_localize(None)
    return out


def _offence(code: pd.Series) -> pd.Series:
    """macros/normalise_offence_code.sql: '08n ' -> '8N', '4/1' -> '4.1', '' -> missing."""
    text = code.str.upper().str.replace(" ", "", regex=False).str.replace("/", ".", regex=False)
    text = text.str.replace(r"^0+", "", regex=True)
    return text.mask(text == "")


def _loadable(data: pd.DataFrame, kind: str, columns: list[str], required: list[str],
              key: list[str]) -> pd.DataFrame:
    """The rows the loader loads (see module doc), typed."""
    ok = data[required].notna().all(axis=1)
    for column in TIMESTAMPS.intersection(columns):
        data[column] = typed = _utc(data[column])
        ok &= typed.notna()  # every timestamp is required: missing or unparseable, the row goes
    if "victim_informed" in columns:
        flag = data["victim_informed"].str.lower()
        ok &= flag.isna() | flag.isin(["true", "false"])
    if kind == "audit":
        for column in ("period_start", "period_end"):
            ok &= pd.to_datetime(data[column], format="%Y-%m-%d", errors="coerce").notna()
        data["time_limit_hours"] = pd.to_numeric(data["time_limit_hours"], errors="coerce").round()
        ok &= data["time_limit_hours"].notna() & (data["force_id"] == data["force_id_path"])
    if key:  # an incident-review sheet has none: every row is one expected crime
        ok &= ~data.duplicated(subset=["_file", *key], keep="first")  # a repeat, even of a bad row
    return data[ok]


def _latest(data: pd.DataFrame, key: list[str], by_date: bool) -> pd.DataFrame:
    order = (["folder"] if by_date else []) + ["_file", "_row"]
    return data.sort_values(order, ascending=False).drop_duplicates(subset=key, keep="first")


def load(landing: Path) -> dict[str, pd.DataFrame]:
    """The latest version of every key of every kind, as the staging models hold them."""
    tables = {}
    for kind, (pattern, columns, required, key) in {**EXPORTS, **AUDITS}.items():
        data = _loadable(_read(landing, pattern, columns), kind, columns, required, key)
        if kind != "audit":  # the folder says the force (the audit sheet says it too)
            data = data.assign(force_id=data["force_id_path"])
        for column in ("decision", "disposal_type"):
            if column in data:
                data[column] = data[column].str.upper()
        if kind in EXPORTS:
            data = _latest(data, ["force_id", *key], by_date=True)
        elif key:  # audit sheets: keys within an audit, across forces (as the staging models)
            data = _latest(data, key, by_date=False)
        tables[kind] = data
    tables["crimes"]["offence_code"] = _offence(tables["crimes"]["offence_code"])
    reviews = tables["incident_reviews"]
    reviews["expected_offence_code"] = _offence(reviews["expected_offence_code"])
    reviews["review_id"] = reviews["_file"] + "#" + reviews["_row"].astype(str)  # stg_raw__incident_reviews
    for kind in ("no_crime_reviews", "disposal_reviews"):
        tables[kind]["verdict"] = tables[kind]["verdict"].str.lower()
    return tables


def _pairs(expected: pd.DataFrame, recorded: pd.DataFrame) -> pd.DataFrame:
    """DESIGN.md's matching: same code, then same group, then any crime of the incident; in a
    pass the n-th expected crime (by code, review_id) pairs with the n-th crime (by
    recorded_at, crime_id) of the same partition. Each crime pairs once."""
    found = []
    for e_key, r_key in (("expected_offence_code", "recorded_offence_code"),
                         ("expected_offence_group", "recorded_offence_group"), (None, None)):
        e = expected.assign(_pk=expected[e_key] if e_key else "")
        r = recorded.assign(_pk=recorded[r_key] if r_key else "")
        e = e.sort_values(["expected_offence_code", "review_id"], na_position="last", kind="stable")
        r = r.sort_values(["recorded_at", "crime_id"], na_position="last", kind="stable")
        part = ["audit_id", "incident_id", "_pk"]
        e["_k"] = e.groupby(part, dropna=False, sort=False).cumcount()
        r["_k"] = r.groupby(part, dropna=False, sort=False).cumcount()
        # SQL equality never pairs a missing code or group (pandas would)
        pairs = e[e["_pk"].notna()].merge(r[r["_pk"].notna()], on=[*part, "_k"])
        found.append(pairs[["audit_id", "review_id", "crime_id", "recorded_offence_code",
                            "recorded_at", "_eid", "_rid"]])
        expected = expected[~expected["_eid"].isin(pairs["_eid"])]
        recorded = recorded[~recorded["_rid"].isin(pairs["_rid"])]
    return pd.concat(found, ignore_index=True)


def _wilson(k: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """macros/wilson_interval.sql, same operations in the same order (missing when n = 0)."""
    k, n = k.astype("float64"), n.astype("float64").where(n > 0)
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    low = (centre - half).mask(k == 0, 0.0).where(n.notna())
    high = (centre + half).mask(k == n, 1.0).where(n.notna())
    return p, low, high


def _counted(frame: pd.DataFrame, flags: list[str]) -> pd.DataFrame:
    return frame.assign(**{f: frame[f].fillna(False).astype(bool) for f in flags})


def recording_accuracy(t: dict[str, pd.DataFrame], codes: pd.DataFrame) -> pd.DataFrame:
    reviews, audits = t["incident_reviews"], t["audit"]
    expected = reviews[reviews["expected_offence_code"].notna()].merge(
        codes.rename(columns={"offence_code": "expected_offence_code", "offence_group": "expected_offence_group"}),
        on="expected_offence_code", how="left")
    expected = expected.assign(_eid=np.arange(len(expected)))
    incidents = expected[["audit_id", "force_id", "incident_id"]].drop_duplicates()
    recorded = incidents.merge(t["crimes"][["force_id", "incident_id", "crime_id", "offence_code", "recorded_at"]],
                               on=["force_id", "incident_id"]).drop(columns="force_id")
    recorded = recorded.rename(columns={"offence_code": "recorded_offence_code"}).merge(
        codes.rename(columns={"offence_code": "recorded_offence_code", "offence_group": "recorded_offence_group"}),
        on="recorded_offence_code", how="left")
    recorded = recorded.assign(_rid=np.arange(len(recorded)))
    pairs = _pairs(expected, recorded)

    m = expected.merge(pairs[["audit_id", "review_id", "crime_id", "recorded_offence_code", "recorded_at"]],
                       on=["audit_id", "review_id"], how="left")
    m = m.merge(audits[["audit_id", "time_limit_hours"]], on="audit_id", how="left")
    m = m.merge(t["incidents"][["force_id", "incident_id", "received_at"]], on=["force_id", "incident_id"], how="left")
    # date_diff('second'): whole-second boundaries between the two UTC timestamps
    seconds = (m["recorded_at"].dt.floor("s") - m["received_at"].dt.floor("s")).dt.total_seconds()
    m["is_recorded"] = m["crime_id"].notna()
    m["is_correctly_classified"] = (m["recorded_offence_code"] == m["expected_offence_code"]).fillna(False)
    m["is_recorded_on_time"] = (seconds <= m["time_limit_hours"] * 3600).fillna(False)

    flags = ["is_recorded", "is_correctly_classified", "is_recorded_on_time"]
    base = m[["audit_id", "incident_id", "review_id", *flags]]
    counted = pd.concat([
        base.assign(offence_group=m["expected_offence_group"]),
        base.assign(offence_group="all"),
        reviews.loc[reviews["expected_offence_code"].isna(), ["audit_id", "incident_id"]].assign(offence_group="all"),
        audits[["audit_id"]].assign(offence_group="all"),
    ], ignore_index=True)
    counted = _counted(counted, flags)
    c = counted.groupby(["audit_id", "offence_group"], dropna=False).agg(
        incidents_reviewed=("incident_id", "nunique"), crimes_reported=("review_id", "count"),
        crimes_recorded=("is_recorded", "sum"), crimes_correctly_classified=("is_correctly_classified", "sum"),
        crimes_recorded_on_time=("is_recorded_on_time", "sum")).reset_index()
    c = c.merge(audits[["audit_id", "force_id"]], on="audit_id")
    c["crimes_unrecorded"] = c["crimes_reported"] - c["crimes_recorded"]
    c["recording_rate"], c["rate_ci_low"], c["rate_ci_high"] = _wilson(c["crimes_recorded"], c["crimes_reported"])
    return c


def no_crime_accuracy(t: dict[str, pd.DataFrame], codes: pd.DataFrame) -> pd.DataFrame:
    reviews, audits = t["no_crime_reviews"], t["audit"]
    r = reviews.merge(t["crimes"][["force_id", "crime_id", "offence_code"]], on=["force_id", "crime_id"], how="left")
    r = r.merge(codes, on="offence_code", how="left")
    r["is_correct"] = r["verdict"].map({"correct": True, "incorrect": False})
    base = r[["audit_id", "crime_id", "is_correct"]]
    counted = pd.concat([
        base[r["offence_group"].notna()].assign(offence_group=r["offence_group"]),
        base.assign(offence_group="all"),
        audits[["audit_id"]].assign(offence_group="all"),
    ], ignore_index=True)
    counted["correct"] = counted["is_correct"].eq(True)
    counted["incorrect"] = counted["is_correct"].eq(False)
    c = counted.groupby(["audit_id", "offence_group"], dropna=False).agg(
        decisions_reviewed=("crime_id", "count"), decisions_correct=("correct", "sum"),
        decisions_incorrect=("incorrect", "sum")).reset_index()
    c = c.merge(audits[["audit_id", "force_id"]], on="audit_id")
    c["accuracy_rate"], c["accuracy_ci_low"], c["accuracy_ci_high"] = _wilson(
        c["decisions_correct"], c["decisions_reviewed"])
    return c


def disposal_accuracy(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    r = t["audit"][["audit_id", "force_id"]].merge(
        t["disposal_reviews"][["audit_id", "crime_id", "verdict"]], on="audit_id", how="left")
    r["appropriate"] = r["verdict"].eq("appropriate")
    r["inappropriate"] = r["verdict"].eq("inappropriate")
    c = r.groupby(["audit_id", "force_id"]).agg(
        disposals_reviewed=("crime_id", "count"), appropriate=("appropriate", "sum"),
        inappropriate=("inappropriate", "sum")).reset_index()
    c["appropriate_rate"], c["appropriate_ci_low"], c["appropriate_ci_high"] = _wilson(
        c["appropriate"], c["disposals_reviewed"])
    return c


def force_volumes(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    counts = {kind: t[kind].groupby("force_id").size() for kind in EXPORTS}
    return pd.DataFrame(counts).fillna(0).astype("int64").rename_axis("force_id").reset_index()


def run_pandas(landing: Path) -> dict[str, pd.DataFrame]:
    """The compared marts (see marts.COMPARED) and per-force volumes of a landing folder."""
    landing = Path(landing)
    tables = load(landing)
    codes = pd.read_csv(DBT_PROJECT_DIR / "seeds" / "offence_codes.csv", dtype=str,
                        usecols=["offence_code", "offence_group"])
    return {
        "recording_accuracy": recording_accuracy(tables, codes),
        "no_crime_accuracy": no_crime_accuracy(tables, codes),
        "disposal_accuracy": disposal_accuracy(tables),
        "force_volumes": force_volumes(tables),
    }
