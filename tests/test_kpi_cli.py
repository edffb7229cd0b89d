"""`python -m kpi list` and `python -m kpi export` on the hand-made scenario (tests/scenario.py).

Scenario, January-March 2026: placed children per month 479: 1, 2, 2; 420: 5, 5, 5; 410: 0, 0, 1;
residents aged 0-22: 479: 1,250; 420: 500; 410: 2,000. The export crosses municipalities, so a
value resting on 1-4 persons is left empty for every municipality, and so is any value that would
give one away (kpi/disclosure.py).
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from data_access.scope import Role
from kpi.__main__ import main
from kpi.catalogue import KPI_FILE, load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from .helpers import scope

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def export(small, *argv: str) -> pd.DataFrame:
    code, text = run("export", "--warehouse", str(small.warehouse_dir), *argv)
    assert code == 0
    return pd.read_csv(io.StringIO(text), dtype={"period": str})


def test_list_gives_every_kpi_id_first_and_the_months_covered(small):
    code, text = run("list", "--warehouse", str(small.warehouse_dir))
    assert code == 0
    lines = text.splitlines()
    assert [line.split("\t")[0] for line in lines] == list(load_catalogue().kpis)
    assert all(line.endswith("\t2026-01..2026-03") for line in lines)


def test_monthly_export_hides_values_on_one_to_four_persons(small):
    frame = export(small, "--kpi", "K-UBU-PLAC-1000")
    assert list(frame.columns) == ["kpi_id", "municipality_code", "period", "numerator", "denominator", "value"]
    rows = {(r.municipality_code, r.period): r for r in frame.itertuples()}
    assert set(rows) == {(m, f"2026-0{n}") for m in (410, 420, 479) for n in (1, 2, 3)}  # only who delivered
    # 410 in January: nobody placed; 0 identifies no one, so it is shown: 0 / 2,000 = 0.
    assert (rows[(410, "2026-01")].numerator, rows[(410, "2026-01")].value) == (0, 0)
    # 479 every month (1, 2, 2 children) and 410 in March (1 child): hidden, numerator and denominator too.
    # 420's 5 are hidden as well (secondary suppression): the region's and country's total is 479 + 420 + 410,
    # and with 420 shown anyone seeing that total and 410's 0 (or 1) would have 479's count.
    hidden = [(479, "2026-01"), (479, "2026-02"), (479, "2026-03"), (410, "2026-03"),
              (420, "2026-01"), (420, "2026-02"), (420, "2026-03")]
    for key in hidden:
        assert all(math.isnan(getattr(rows[key], c)) for c in ("numerator", "denominator", "value")), key


def test_a_quarter_averages_persons_over_its_months(small):
    frame = export(small, "--kpi", "K-UBU-PLAC-1000", "--granularity", "quarter", "--from", "2026-02")
    rows = {r.municipality_code: r for r in frame.itertuples()}
    assert set(frame["period"]) == {"2026-Q1"}  # --from 2026-02 widens to the whole first quarter
    # 479: (1 + 2 + 2) / 3 = 1.67 and 410: (0 + 0 + 1) / 3 = 0.33 placed on average: hidden.
    assert math.isnan(rows[479].value) and math.isnan(rows[410].value)
    # 420: (5 + 5 + 5) / 3 = 5 on average would be shown on its own, but its months are hidden (see above), and
    # a quarter with a hidden month is hidden too, or the quarter minus the shown months would give it away.
    assert math.isnan(rows[420].value)


def test_a_year_to_date_measure_takes_the_last_month_of_the_period(small):
    months = export(small, "--kpi", "K-ECO-BUDGET-USE", "--municipality", "479").set_index("period")
    year = export(small, "--kpi", "K-ECO-BUDGET-USE", "--municipality", "479", "--granularity", "year")
    assert year["period"].tolist() == ["2026"]
    # Spend and budget year to date are stocks of the year so far: 2026 is what March says.
    march = months.loc["2026-03"]
    assert year.iloc[0]["numerator"] == pytest.approx(march["numerator"])
    assert year.iloc[0]["denominator"] == pytest.approx(march["denominator"])
    assert months.loc["2026-01", "numerator"] != march["numerator"]  # the choice matters in this scenario


def test_parquet_goes_to_standard_output_through_the_real_command(small, tmp_path):
    target = tmp_path / "placed.parquet"
    with open(target, "wb") as handle:
        subprocess.run([sys.executable, "-m", "kpi", "export", "--kpi", "K-ECO-BUDGET-USE", "--warehouse",
                        str(small.warehouse_dir), "--municipality", "420", "--format", "parquet"],
                       cwd=ROOT, stdout=handle, check=True)
    frame = pd.read_parquet(target)
    assert frame["period"].tolist() == ["2026-01", "2026-02", "2026-03"]
    # 420 spends 50,000 a month of a 600,000 budget, one twelfth (50,000) a month: 100 % every month.
    assert frame["value"].tolist() == pytest.approx([100.0, 100.0, 100.0])


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["export", "--kpi", "K-FINDES-IKKE"], 2, "ukendt nøgletal"),
    (["export", "--kpi", "K-UBU-PLAC-1000", "--municipality", "999"], 2, "kommunekoden 999"),
    (["export", "--kpi", "K-UBU-PLAC-1000", "--from", "2026-03", "--to", "2026-01"], 2, "--from ligger efter"),
])
def test_wrong_usage_says_what_is_wrong(small, capsys, argv, code, message):
    assert main([*argv, "--warehouse", str(small.warehouse_dir)], out=io.StringIO()) == code
    assert message in capsys.readouterr().err


def test_no_warehouse_is_exit_code_1(tmp_path, capsys):
    assert main(["export", "--kpi", "K-UBU-PLAC-1000", "--warehouse", str(tmp_path)], out=io.StringIO()) == 1
    assert "findes ikke" in capsys.readouterr().err


def test_a_flow_is_summed_over_the_quarter(small, tmp_path):
    # Spend in the month is a flow: the quarter is the sum of its months. A KPI for it is only data.
    document = yaml.safe_load(KPI_FILE.read_text(encoding="utf-8"))
    document["kpis"].append({
        "id": "K-TEST-SPEND-PER-YOUNG", "name": "Forbrug pr. 0-22-årig", "area": "economy",
        "description": "Til test.", "unit": "kr.", "direction": "neutral", "granularity": "quarter",
        "municipality_basis": "paying", "disclosure": {"min_count": 0},
        "numerator": {"fact": "spend", "measure": "amount", "where": {"area": ["children", "adults"]}},
        "denominator": {"fact": "population", "measure": "persons", "where": {"age": {"between": [0, 22]}}}})
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    engine = KpiEngine(load_catalogue(path), load_groups(), small.warehouse)
    row = engine.values(scope(Role.LEADER), "K-TEST-SPEND-PER-YOUNG", [479], granularity="quarter").iloc[0]
    # 479 booked 40,000 + 89,500 + 56,129.03 = 185,629.03 in the quarter, for 1,250 residents aged 0-22
    # (the same every month, so their average): 148.50 kr. each.
    assert row["numerator"] == pytest.approx(185_629.03)
    assert row["denominator"] == pytest.approx(1_250)
    assert row["value"] == pytest.approx(148.503224)
