"""Comparison groups and the reference figures they are computed from."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from statistics import fmean, pstdev

import pytest

from etl.generate.profiles import load_municipalities
from kpi import groups as g
from kpi import reference_data, similarity

# Primer §4: the 98 municipalities by region (Christiansø, 411, is none of them).
REGION_COUNTS = {1084: 29, 1085: 17, 1083: 22, 1082: 19, 1081: 11}
FUNEN = (410, 420, 430, 440, 450, 479, 480)


def rows() -> list[dict]:
    with open(similarity.MUNICIPALITIES_FILE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_committed_groups_file_is_what_the_command_writes():
    assert g.main(["--check"]) == 0, "config/comparison_groups.yaml is out of date: run python -m kpi.groups"


def test_every_municipality_has_five_to_eight_peers_among_the_98_and_never_itself():
    groups = g.load_groups()
    codes = set(groups.municipalities)
    assert len(codes) == 98 and 411 not in codes
    regions = {region: len(members) for region, members in groups.regions().items()}
    assert regions == REGION_COUNTS
    assert set(groups.computed) == codes
    for code, peers in groups.computed.items():
        assert 5 <= len(peers) <= 8, code
        assert code not in peers and set(peers) <= codes and len(set(peers)) == len(peers)


def test_the_funen_demo_municipalities_have_chosen_each_other_and_the_rest_are_computed():
    groups = g.load_groups()
    for code in FUNEN:
        assert groups.kind(code) is g.GroupKind.CLUSTER
        assert set(groups.peers(code)) == set(FUNEN) - {code}
    assert groups.kind(101) is g.GroupKind.COMPUTED and groups.peers(101) == groups.computed[101]
    assert groups.kind(479).label == "Valgt klynge"
    assert groups.kind(101).label == "Beregnede sammenligningskommuner"
    # Svendborg's computed group is still there, for when the cluster is dropped.
    assert len(groups.computed[479]) >= 5


def test_without_any_group_the_region_is_used(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text("clusters:\n  479: [410]\n", encoding="utf-8")
    groups = g.read_groups(path)
    assert groups.kind(101) is g.GroupKind.REGION
    assert len(groups.peers(101)) == REGION_COUNTS[1084] - 1 and 101 not in groups.peers(101)
    assert groups.peers(479) == (410,)


@pytest.mark.parametrize(("text", "message"), [
    ("groups:\n  479: [479, 410]\n", "kommune 479 står i sin egen gruppe under groups"),
    ("clusters:\n  479: [411]\n", r"ukendte kommunekoder \[411\] under clusters"),
    ("clusters:\n  479: []\n", "er tom eller nævner en kommune to gange"),
    ("groups:\n  479: [410, 410]\n", "er tom eller nævner en kommune to gange"),
])
def test_group_file_mistakes_are_named(tmp_path, text, message):
    path = tmp_path / "groups.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        g.read_groups(path)


def test_rewriting_keeps_the_clusters_and_recomputes_the_groups(tmp_path, capsys):
    path = tmp_path / "groups.yaml"
    path.write_text("clusters:\n  101: [147, 751]\ngroups:\n  101: [147]\n", encoding="utf-8")
    assert g.main(["--check", "--file", str(path)]) == 1
    assert "ikke opdateret" in capsys.readouterr().err
    assert g.main(["--file", str(path)]) == 0
    groups = g.read_groups(path)
    assert groups.clusters == {101: (147, 751)}
    assert groups.computed == g.load_groups().computed
    assert g.main(["--check", "--file", str(path)]) == 0


def references(*figures: tuple[float, float, float, float]) -> list[similarity.Reference]:
    return [similarity.Reference(code, str(code), f) for code, f in enumerate(figures, start=1)]


def test_features_are_standardised_and_weighted():
    # Two municipalities: each feature has mean halfway and population sd half the gap, so every
    # standardised figure is -1 or +1. The weighted distance is sqrt(Σ w × 2²) = 2 × sqrt(Σ w) = 2.
    scores = similarity.weighted_scores(references((90, 10, 20, 5), (110, 30, 30, 9)))
    assert math.dist(scores[1], scores[2]) == pytest.approx(2.0)
    # The socioeconomic index alone: ±1 × sqrt(0.40).
    assert scores[1][0] == pytest.approx(-math.sqrt(0.40)) and scores[2][0] == pytest.approx(math.sqrt(0.40))


def on_a_line(*positions: float) -> dict[int, tuple[float, ...]]:
    return {code: (x,) for code, x in enumerate(positions, start=1)}


def test_five_nearest_and_up_to_three_more_within_ten_per_cent_of_the_fifth():
    # Municipality 1 at 0, the others at 1..9: the fifth nearest is 5 away; the sixth, 6 away, is more than
    # 5 × 1.10 = 5.5, so the group is 2-6.
    assert similarity.nearest_neighbours(on_a_line(0, 1, 2, 3, 4, 5, 6, 7, 8, 9))[1] == (2, 3, 4, 5, 6)
    # Now the sixth and seventh are 5.2 and 5.5 away (within 5.5) and the eighth 5.6 (not): 7 peers.
    group = similarity.nearest_neighbours(on_a_line(0, 1, 2, 3, 4, 5, 5.2, 5.5, 5.6, 9))[1]
    assert group == (2, 3, 4, 5, 6, 7, 8)
    # Never more than eight, however close: nine others all 1 away, ties to the lower code.
    assert similarity.nearest_neighbours(on_a_line(0, 1, 1, 1, 1, 1, 1, 1, 1, 1))[1] == (2, 3, 4, 5, 6, 7, 8, 9)


def test_reference_figures_have_the_stated_shape():
    table = rows()
    socio = [float(r["socio_index"]) for r in table]
    # Scaled to mean 100 and sd 12 before rounding to one decimal.
    assert fmean(socio) == pytest.approx(100, abs=0.05) and pstdev(socio) == pytest.approx(12, abs=0.05)
    by_name = {r["name"]: float(r["socio_index"]) for r in table}
    assert all(by_name[n] > 100 for n in reference_data.HIGH_NEED)
    assert all(by_name[n] < 100 for n in reference_data.LOW_NEED)
    shares = [float(r["share_0_22_pct"]) for r in table]
    assert 26 < fmean(shares) < 28 and min(shares) >= 18 and max(shares) <= 34  # primer §5.1: about 27 %
    km = {r["name"]: int(r["big_city_km"]) for r in table}
    assert km["København"] == km["Aarhus"] == km["Odense"] == km["Aalborg"] == 0
    # Roskilde (55.65 N, 12.10 E) to København (55.68 N, 12.57 E): 0.47° of longitude at 55.67° N is
    # 0.47 × cos(55.67°) × 111.2 km ≈ 29.5 km, 0.03° of latitude 3.3 km; together ≈ 29.7 km, so 30.
    assert km["Roskilde"] == 30


def test_reference_figures_are_reproducible():
    assert reference_data.rewritten(similarity.MUNICIPALITIES_FILE.read_text(encoding="utf-8")) == \
        similarity.MUNICIPALITIES_FILE.read_text(encoding="utf-8"), "run python -m kpi.reference_data"


def test_the_generator_takes_the_socioeconomic_index_from_the_reference_figures():
    index = {int(r["municipality_code"]): float(r["socio_index"]) for r in rows()}
    for seed in (1, 2):
        assert {code: m.socio_index for code, m in load_municipalities(seed).items()} == index


def test_reference_columns_can_be_missing_only_with_a_clear_message(tmp_path):
    path = Path(tmp_path / "municipalities.csv")
    path.write_text("municipality_code,name,population_thousands\n101,København,660\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mangler kolonnerne socio_index, share_0_22_pct, big_city_km"):
        similarity.read_reference(path)
