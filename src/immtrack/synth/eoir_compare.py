"""How much a release looks like the real one: generated shares beside the real shares.

For each listed coded column, the share of each real code among the column's non-blank values
in the release, beside its real share (eoir_value_shares.csv), and the blank share beside the
real one; the largest gap per column in percentage points. Then the structural rates
(proceedings per case, asylum cases decided twice, blanks in completed proceedings, severed
riders...) beside their real figures (eoir_structure.csv), with the relative gap.

It reads the release's raw files directly (pyarrow's CSV reader, everything as text), not the
lake, so it can judge any folder, generated or not. `immtrack synth eoir-compare DIR`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from immtrack.schema.eoir import APPLICATION_DECISIONS, EOIR_TABLES
from immtrack.synth.eoir_rates import STRUCTURE, shares

# Columns whose value shares the generator follows and this report checks.
COMPARED = (("A_TblCase", "CUSTODY"), ("A_TblCase", "CASE_TYPE"), ("A_TblCase", "Sex"),
            ("A_TblCase", "LATEST_CAL_TYPE"), ("B_TblProceeding", "CASE_TYPE"),
            ("B_TblProceeding", "DEC_CODE"), ("B_TblProceeding", "OTHER_COMP"),
            ("B_TblProceeding", "DEC_TYPE"), ("B_TblProceeding", "CRIM_IND"),
            ("tbl_schedule", "CAL_TYPE"), ("tbl_schedule", "ADJ_MEDIUM"),
            ("tbl_CustodyHistory", "CUSTODY"), ("tbl_RepsAssigned", "STRATTYLEVEL"),
            ("tbl_RepsAssigned", "STRATTYTYPE"), ("tbl_RepsAssigned", "BLNPRIMEATTY"),
            ("tbl_RepsAssigned", "PARENT_TABLE"), ("tbl_Lead_Rider", "blnActive"),
            ("B_TblProceedCharges", "CHG_STATUS"), ("D_TblAssociatedBond", "BOND_TYPE"),
            ("D_TblAssociatedBond", "DEC"), ("D_TblAssociatedBond", "FILING_PARTY"),
            ("tbl_JuvenileHistory", "idnJuvenile"), ("tbl_Court_Motions", "DEC"),
            ("tbl_Court_Motions", "STRFILINGPARTY"), ("tbl_Court_Motions", "STRFILINGMETHOD"),
            ("tbl_Court_Motions", "STRCERTOFSERVICECODE"), ("tblAppeal", "strAppealCategory"),
            ("tblAppeal", "strAppealType"), ("tblAppeal", "strFiledBy"),
            ("tblAppeal", "strBIADecisionType"))
# Structural rates held within this relative gap of their real figure.
STRUCTURE_TOLERANCE = 0.20
# Value shares held within this many percentage points.
SHARE_TOLERANCE_PP = 2.0


@dataclass
class ColumnReport:
    table: str
    column: str
    rows: list[dict] = field(default_factory=list)  # value, generated, real, gap_pp

    @property
    def largest_gap_pp(self) -> float:
        return max((abs(r["gap_pp"]) for r in self.rows), default=0.0)


def _read(folder: Path, table: str, columns: list[str]) -> pa.Table:
    names = [c.name for c in EOIR_TABLES[table].columns]
    return pa_csv.read_csv(
        folder / EOIR_TABLES[table].file_name,
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, encoding="latin-1"),
        parse_options=pa_csv.ParseOptions(delimiter="\t", quote_char=False,
                                          invalid_row_handler=lambda row: "skip"),
        convert_options=pa_csv.ConvertOptions(
            include_columns=columns, column_types={c: pa.string() for c in columns},
            strings_can_be_null=True, null_values=["", " ", "N/A"]))


def _value_shares(values: pa.Array) -> tuple[dict[str, float], float]:
    total = len(values)
    present = pc.drop_null(values)
    counts = pc.value_counts(present).to_pylist()
    n = max(len(present), 1)
    return ({c["values"]: c["counts"] / n for c in counts},
            1 - len(present) / total if total else 0.0)


def compare_columns(folder: Path) -> list[ColumnReport]:
    reports = []
    by_table: dict[str, list[str]] = {}
    for table, column in COMPARED:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        data = _read(folder, table, columns)
        for column in columns:
            real = shares(table, column)
            generated, blank = _value_shares(data[column])
            report = ColumnReport(table, column)
            for value, p in zip(real.values, real.p, strict=True):
                report.rows.append({"value": str(value), "generated": generated.get(value, 0.0),
                                    "real": float(p),
                                    "gap_pp": 100 * (generated.get(value, 0.0) - float(p))})
            report.rows.append({"value": "(blank)", "generated": blank, "real": real.blank,
                                "gap_pp": 100 * (blank - real.blank)})
            reports.append(report)
    return reports


def structural_rates(folder: Path) -> list[dict]:
    """Generated structural rates beside the real ones (names from eoir_structure.csv)."""
    cases = _read(folder, "A_TblCase", ["IDNCASE", "C_ASY_TYPE"])
    proceedings = _read(folder, "B_TblProceeding", ["IDNPROCEEDING", "COMP_DATE", "DEC_CODE",
                                                    "OTHER_COMP"])
    applications = _read(folder, "tbl_Court_Appln", ["IDNCASE", "IDNPROCEEDING", "APPL_CODE",
                                                     "APPL_RECD_DATE", "APPL_DEC"])
    riders = _read(folder, "tbl_Lead_Rider", ["blnActive"])
    custody = _read(folder, "tbl_CustodyHistory", ["IDNCUSTODY"])
    reps = _read(folder, "tbl_RepsAssigned", ["IDNREPSASSIGNED"])
    hearings = _read(folder, "tbl_schedule", ["IDNSCHEDULE"])
    extra = {name: _read(folder, table, [column]).num_rows for name, table, column in (
        ("juvenile_rows_per_case", "tbl_JuvenileHistory", "idnJuvenileHistory"),
        ("motion_rows_per_case", "tbl_Court_Motions", "IDNMOTION"),
        ("appeal_rows_per_case", "tblAppeal", "idnAppeal"))}
    n_cases, n_proc = cases.num_rows, proceedings.num_rows
    completed = {p: c for p, c in zip(proceedings["IDNPROCEEDING"].to_pylist(),
                                      proceedings["COMP_DATE"].to_pylist(), strict=True) if c}
    final = {c for c, d in APPLICATION_DECISIONS.items() if d.outcome != "not_final"}
    asylum_cases: set = set()
    decision_dates: dict = {}
    filing_dates: dict = {}
    blank_completed = in_completed = 0
    for case, proceeding, code, received, decision in zip(
            *(applications[c].to_pylist() for c in ("IDNCASE", "IDNPROCEEDING", "APPL_CODE",
                                                    "APPL_RECD_DATE", "APPL_DEC")), strict=True):
        if proceeding in completed:
            in_completed += 1
            blank_completed += decision is None
        if code != "ASYL":
            continue
        asylum_cases.add(case)
        filing_dates.setdefault(case, set()).add(received)
        if decision in final and proceeding in completed:
            decision_dates.setdefault(case, set()).add(completed[proceeding])
    active = riders["blnActive"].to_pylist()

    def share(count: int, total: int) -> float:
        return count / total if total else 0.0

    generated = {
        "proceedings_per_case": share(n_proc, n_cases),
        "proceeding_comp_date_blank": share(proceedings["COMP_DATE"].null_count, n_proc),
        "proceeding_dec_code_blank": share(proceedings["DEC_CODE"].null_count, n_proc),
        "proceeding_other_comp_blank": share(proceedings["OTHER_COMP"].null_count, n_proc),
        "application_appl_dec_blank": share(applications["APPL_DEC"].null_count,
                                            applications.num_rows),
        "application_appl_dec_blank_in_completed": share(blank_completed, in_completed),
        "asylum_cases_several_decision_dates": share(
            sum(len(d) > 1 for d in decision_dates.values()), len(asylum_cases)),
        "asylum_cases_several_filing_dates": share(
            sum(len(d) > 1 for d in filing_dates.values()), len(asylum_cases)),
        "case_c_asy_type_blank": share(cases["C_ASY_TYPE"].null_count, n_cases),
        "custody_history_rows_per_case": share(custody.num_rows, n_cases),
        "rider_rows_per_case": share(riders.num_rows, n_cases),
        "rider_severed": share(active.count("0"), len(active)),
        "reps_rows_per_case": share(reps.num_rows, n_cases),
        "hearings_per_proceeding": share(hearings.num_rows, n_proc),
        **{name: share(rows, n_cases) for name, rows in extra.items()},
    }
    real = {name: rate.value for name, rate in STRUCTURE.items()}
    real["rider_severed"] = shares("tbl_Lead_Rider", "blnActive").share("0")
    rows = []
    for name, value in generated.items():
        if name not in real:
            continue
        relative = (value - real[name]) / real[name] if real[name] else 0.0
        rows.append({"rate": name, "generated": value, "real": real[name],
                     "relative_gap": relative,
                     "source": STRUCTURE[name].source if name in STRUCTURE else
                     "value_frequencies_by_field.csv (tbl_Lead_Rider blnActive 0)"})
    return rows


def realism_report(folder: Path) -> dict:
    columns = compare_columns(folder)
    structure = structural_rates(folder)
    return {
        "release": str(folder),
        "share_tolerance_pp": SHARE_TOLERANCE_PP,
        "structure_tolerance": STRUCTURE_TOLERANCE,
        "columns": [{"table": c.table, "column": c.column,
                     "largest_gap_pp": c.largest_gap_pp,
                     "passes": c.largest_gap_pp < SHARE_TOLERANCE_PP, "values": c.rows}
                    for c in columns],
        "structure": [{**r, "passes": abs(r["relative_gap"]) < STRUCTURE_TOLERANCE}
                      for r in structure],
        "passes": all(c.largest_gap_pp < SHARE_TOLERANCE_PP for c in columns)
        and all(abs(r["relative_gap"]) < STRUCTURE_TOLERANCE for r in structure),
    }


def gaps_summary(report: dict) -> list[tuple[str, float, bool]]:
    return [(f"{c['table']}.{c['column']}", c["largest_gap_pp"], c["passes"])
            for c in report["columns"]] + [
        (r["rate"], 100 * r["relative_gap"], r["passes"]) for r in report["structure"]]



