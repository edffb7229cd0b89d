"""The fact rows behind each aggregate cell, as etl/derive.py builds the aggregates from them.

``rows(aggregate, measure, ...)`` gives, for every requested month, the fact rows counted in that
month's cell of the aggregate, one row per fact row and month, with

- ``month``: the aggregate month the row counts in (a population quarter counts in each of its
  months, a posting in every year-to-date month from its own to December),
- ``amount``: what the row adds to the measure in that month,
- the aggregate's own column names (area, age, function_code, ...), so a KPI's filters and a
  decomposition's choices select the same rows here as on the aggregate,
- lineage: ``source_file``, ``source_line``, ``etl_run_id`` (a person-month takes its grant's),
- ``responsible_caseworker``: the caseworker whose case the row belongs to (NULL for population and
  budget lines, which describe no person), for a caseworker's own-case view.

Every fact row that decides whether or how much a case counts is there, some with amount 0; where
a case is built from rows of several kinds, ``fact_row`` names the kind:

- agg_grants_month: the grant in each month it was active (started, ended in the month).
- agg_dq_month: each finding on a grant (fact_grant_flag has no lineage: its grant's), in each month
  the grant was active (a late registration only in the month it started); ``flag_code`` is the
  cell's code (ANY_MISSING_FIELD for any of the missing-field findings), ``finding`` the finding's
  own. A grant counts once per cell: 1 on its first finding, 0 on the others.
- agg_effect_month: per grant, instrument and horizon, the grant (``fact_row`` grant: 1 citizen),
  the baseline assessment (``baseline``: minus its score in the change, its score in the baseline
  sum) and the follow-up assessment (``follow_up``: its score in the change).
- agg_staircase_month: the grants started 12 months before (``started``: 1 per citizen and cell, 0
  on a second grant of the same citizen in the cell) and, for those stepped down, the citizen's
  person-months on the staircase in the month they are counted (``now``, 0: the lower step).
- agg_placement_followup_month: the placed person-month a year before, with whether the citizen is
  placed now (``placed_now``) and with which grant; the not placed are the rows without.
- agg_spend_placement_month: postings linked to a placement grant, in their accounting month.
- agg_placement_duration_month: the placed person-month, with its grant's start and the whole calendar
  months since then (``months_placed``).
- agg_youth_support_month: an 18-22-year-old placed before 18, in each month after the last placement
  month before 18 (lineage: that placement's grant), with the grant that gives youth support in the
  month (``support_grant_key``); the supported are the rows with one (lineage: the support grant).
- agg_placement_breakdown_month: each placement in every month whose 12-month window (from the first
  month of the history) it was active in (``placements``: 1), ``breakdown`` 1 if it ended in breakdown
  within the window (its end reason in dim_end_reason), with its age on its last day in the window.
- agg_transition_gap_month: a young person assessed to need adult support, whose children's measures all
  ended at 16-19, in the month their 30 days ran out (lineage: the last children's grant), with whether an
  adult measure ran or began in time (``adult_measure_in_time``, and which: ``adult_grant_key``).
- agg_notification_month: each notification, in the month it was received, with the child's age that day.
- agg_reimbursement_month: for ``claimable`` the acting municipality's postings on grants another
  municipality pays for, from the day CPR has the family living there (``claimable_from``; NULL: never,
  so from the first posting); for ``recovered`` its postings on artskonto 7.7, with a minus (income).
- agg_forecast_month: the grants active at the month's end (``commitment``: their disposition to
  31 December), and for the forecast the year's postings so far (``posting``) and, against the
  budget, the corrected budget line (``budget``, with a minus).

Any change to how etl/derive.py builds an aggregate must be mirrored here; the tests re-aggregate
these rows and compare them with the aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    Date,
    Double,
    Integer,
    Interval,
    Select,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)

from etl.build import DAYS_PER_MONTH
from etl.derive import (
    ADULT_AGE,
    BASELINE_DAYS_AFTER,
    BASELINE_DAYS_BEFORE,
    FOLLOW_UP_HORIZONS,
    FOLLOW_UP_TOLERANCE_DAYS,
    MISSING_FIELD_FLAGS,
    STAIRCASE_MONTHS,
    YOUTH_SUPPORT_LAST_AGE,
)
from etl.derive_more import RECEIVED_ART
from etl.derive_transitions import BREAKDOWN_WINDOW_MONTHS, TRANSITION_AGES, TRANSITION_DAYS

from .warehouse_schema import (
    dim_account_function,
    dim_caseworker,
    dim_citizen,
    dim_end_reason,
    dim_measure_group,
    dim_month,
    dim_placement_type,
    dim_provider,
    fact_assessment,
    fact_budget,
    fact_grant,
    fact_grant_flag,
    fact_notification,
    fact_payment,
    fact_person_month,
    fact_population,
    fact_relation,
    fact_residence,
)

# Columns the facts behind an aggregate can be split by although the aggregate lacks them.
DETAIL_COLUMNS = {"agg_persons_month": ("provider_key", "caseworker_key", "unit")}
# Their Danish labels, where the key alone says little.
PERSON_DETAIL_LABELS = {"provider_key": "provider_name", "caseworker_key": "caseworker_name"}


def supported(aggregate: str) -> bool:
    return aggregate in _SOURCES


def rows(aggregate: str, measure: str, municipality_column: str, municipality: int,
         months: Sequence[date]) -> Select:
    """The fact rows behind ``aggregate.measure`` for one municipality in ``months``."""
    return _SOURCES[aggregate](measure, municipality_column, municipality, list(months))


def _persons(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    person = fact_person_month
    amount = {"persons": literal(1), "person_days": person.c.days_active}[measure]
    return (
        select(
            person.c.month, amount.label("amount"),
            *[c for c in person.c if c.name != "month"],
            dim_caseworker.c.name.label("caseworker_name"), dim_caseworker.c.unit,
            dim_provider.c.name.label("provider_name"),
            fact_grant.c.source_file, fact_grant.c.source_line, fact_grant.c.etl_run_id,
            person.c.caseworker_key.label("responsible_caseworker"),
        )
        .select_from(
            person.outerjoin(fact_grant, fact_grant.c.grant_key == person.c.grant_key)
            .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == person.c.caseworker_key)
            .outerjoin(dim_provider, dim_provider.c.provider_key == person.c.provider_key)
        )
        .where(person.c[municipality_column] == municipality, person.c.month.in_(months))
    )


def _population(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Each month takes the newest quarter counted by then, as agg_population_month does."""
    population = fact_population
    quarters = (select(population.c.quarter_start).distinct()
                .where(population.c.municipality_code == municipality).subquery("quarters"))
    latest = (
        select(dim_month.c.month, func.max(quarters.c.quarter_start).label("quarter_start"))
        .select_from(dim_month.join(quarters, quarters.c.quarter_start <= dim_month.c.month))
        .where(dim_month.c.month.in_(months))
        .group_by(dim_month.c.month)
        .subquery("latest")
    )
    return (
        select(latest.c.month, population.c.persons.label("amount"), population.c.municipality_code,
               population.c.quarter_start, population.c.age, population.c.sex, population.c.persons,
               population.c.source_file, population.c.source_line, population.c.etl_run_id,
               literal(None).label("responsible_caseworker"))
        .select_from(latest.join(population, and_(population.c.quarter_start == latest.c.quarter_start,
                                                  population.c.municipality_code == municipality)))
    )


def _spend(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A posting counts in its accounting month; year to date, in that month and the rest of its year."""
    payment, month = fact_payment, dim_month
    same_month = payment.c.period_month == month.c.month
    year_to_date = and_(extract("year", payment.c.period_month) == month.c.year,
                        payment.c.period_month <= month.c.month)
    counted = {"amount": same_month, "amount_ytd": year_to_date}[measure]
    return (
        select(month.c.month, payment.c.amount.label("amount"), payment.c.municipality_code,
               payment.c.voucher, payment.c.posting_date, payment.c.period_month, payment.c.citizen_key,
               payment.c.grant_key, payment.c.function_code, dim_account_function.c.area,
               payment.c.amount.label("posting_amount"),
               payment.c.source_file, payment.c.source_line, payment.c.etl_run_id,
               fact_grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            payment.join(month, counted)
            .join(dim_account_function, dim_account_function.c.function_code == payment.c.function_code)
            .outerjoin(fact_grant, fact_grant.c.grant_key == payment.c.grant_key)
        )
        .where(payment.c.municipality_code == municipality, month.c.month.in_(months))
    )


def _budget(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """The corrected budget, year to date pro rata for the months of its year that the history covers."""
    ranked = select(
        dim_month.c.month, dim_month.c.year,
        func.row_number().over(partition_by=dim_month.c.year, order_by=dim_month.c.month).label("months_so_far"),
    ).subquery("ranked")
    budget = fact_budget
    amount = {
        "budget_full_year": budget.c.corrected_budget,
        "budget_ytd": func.round(budget.c.corrected_budget * ranked.c.months_so_far / 12, 2),
    }[measure]
    return (
        select(ranked.c.month, amount.label("amount"), budget.c.municipality_code, budget.c.year,
               budget.c.function_code, dim_account_function.c.area, budget.c.original_budget,
               budget.c.corrected_budget, budget.c.source_file, budget.c.source_line, budget.c.etl_run_id,
               literal(None).label("responsible_caseworker"))
        .select_from(
            budget.join(ranked, ranked.c.year == budget.c.year)
            .join(dim_account_function, dim_account_function.c.function_code == budget.c.function_code)
        )
        .where(budget.c.municipality_code == municipality, ranked.c.month.in_(months))
    )


def _last_day(month=dim_month):
    return month.c.month + (month.c.days_in_month - 1)


def _active(grant, month=dim_month):
    """etl/derive.grant_months' ``days_active > 0`` for a month of dim_month, which ends before the extraction:
    an open grant runs on past it."""
    return and_(grant.c.start_date <= _last_day(month),
                or_(grant.c.end_date.is_(None),
                    and_(grant.c.end_date >= month.c.month, grant.c.end_date >= grant.c.start_date)))


def _months_later(month, day, months: int):
    """``month`` (of dim_month) is the month ``months`` after the month of ``day``."""
    return (month.c.year * 12 + month.c.month_of_year
            == extract("year", day) * 12 + extract("month", day) + months)


def _first_in(partition: list, order_by: list):
    """1 on the first row of each ``partition``, 0 on the others: what count(DISTINCT ...) counts it as."""
    return case((func.row_number().over(partition_by=partition, order_by=order_by) == 1, 1), else_=0)


def _grants(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A grant counts in every month it was active; started or ended, in the month of its start or end date."""
    grant, month = fact_grant, dim_month
    counted = {"grants_active": true(), "grants_started": grant.c.start_date >= month.c.month,
               "grants_ended": grant.c.end_date <= _last_day()}[measure]
    return (
        select(month.c.month, literal_column("1", Integer).label("amount"), *grant.c,
               grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(grant.join(month, _active(grant)))
        .where(grant.c[municipality_column] == municipality, month.c.month.in_(months), counted)
    )


def _findings(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Each finding on a grant, in every month the grant was active (a late registration in its start month);
    ANY_MISSING_FIELD takes each of the missing-field findings. A grant counts once per cell."""
    flag, grant, month = fact_grant_flag, fact_grant, dim_month
    own = select(flag.c.grant_key, flag.c.flag_code, flag.c.flag_code.label("finding"), flag.c.detail,
                 flag.c.amount)
    missing = (select(flag.c.grant_key, literal_column("'ANY_MISSING_FIELD'", String), flag.c.flag_code,
                      flag.c.detail, flag.c.amount)
               .where(flag.c.flag_code.in_(MISSING_FIELD_FLAGS)))
    findings = union_all(own, missing).subquery("findings")
    counted = or_(findings.c.flag_code != "LATE_REGISTRATION", grant.c.start_date >= month.c.month)
    return (
        select(month.c.month, _first_in([findings.c.grant_key, month.c.month, findings.c.flag_code],
                                           [findings.c.finding, findings.c.detail]).label("amount"),
               findings.c.flag_code, findings.c.finding, findings.c.detail,
               findings.c.amount.label("amount_at_stake"), *grant.c,
               grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(findings.join(grant, grant.c.grant_key == findings.c.grant_key).join(month, _active(grant)))
        .where(grant.c[municipality_column] == municipality, month.c.month.in_(months), counted)
    )


def _effect(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Per grant and instrument, the first score from 30 days before to 45 after the start (baseline), and per
    horizon the score nearest to the point 6 or 12 months after the start, at most 90 days off (follow-up),
    counted in the month of that point. Of two scores the same day the first source line is taken; etl/derive.py's
    arg_min takes either, so a cell with such a tie may not re-aggregate exactly."""
    grant, assessment = fact_grant, fact_assessment
    scored = (select(grant.c.start_date, assessment)
              .select_from(grant.join(assessment, assessment.c.grant_key == grant.c.grant_key))
              .where(grant.c[municipality_column] == municipality)
              .subquery("scored"))
    in_window = scored.c.assessment_date.between(scored.c.start_date - BASELINE_DAYS_BEFORE,
                                                 scored.c.start_date + BASELINE_DAYS_AFTER)
    baseline = (select(scored, func.row_number().over(
                    partition_by=[scored.c.grant_key, scored.c.instrument],
                    order_by=[scored.c.assessment_date, scored.c.source_file, scored.c.source_line]).label("rank"))
                .where(in_window).subquery("baseline"))
    per_horizon = []
    for horizon in FOLLOW_UP_HORIZONS:
        due = cast(scored.c.start_date + literal_column(f"INTERVAL '{horizon} months'", Interval), Date)
        per_horizon.append(select(scored, literal_column(str(horizon), Integer).label("horizon_months"),
                                  due.label("due"), func.abs(scored.c.assessment_date - due).label("days_off")))
    candidates = union_all(*per_horizon).subquery("candidates")
    follow_up = (select(candidates, func.row_number().over(
                     partition_by=[candidates.c.grant_key, candidates.c.instrument, candidates.c.horizon_months],
                     order_by=[candidates.c.days_off, candidates.c.assessment_date, candidates.c.source_file,
                               candidates.c.source_line]).label("rank"))
                 .where(candidates.c.days_off <= FOLLOW_UP_TOLERANCE_DAYS).subquery("follow_up"))
    month = dim_month
    pairs = (
        select(month.c.month, follow_up.c.horizon_months, follow_up.c.due, follow_up.c.instrument,
               baseline.c.assessment_date.label("baseline_date"), baseline.c.score.label("baseline_score"),
               baseline.c.source_file.label("baseline_file"), baseline.c.source_line.label("baseline_line"),
               baseline.c.etl_run_id.label("baseline_run"),
               follow_up.c.assessment_date.label("follow_up_date"), follow_up.c.score.label("follow_up_score"),
               follow_up.c.source_file.label("follow_up_file"), follow_up.c.source_line.label("follow_up_line"),
               follow_up.c.etl_run_id.label("follow_up_run"), grant)
        .select_from(
            follow_up.join(baseline, and_(baseline.c.grant_key == follow_up.c.grant_key,
                                          baseline.c.instrument == follow_up.c.instrument, baseline.c.rank == 1))
            .join(grant, grant.c.grant_key == follow_up.c.grant_key)
            .join(month, and_(month.c.year == extract("year", follow_up.c.due),
                              month.c.month_of_year == extract("month", follow_up.c.due)))
        )
        .where(follow_up.c.rank == 1, month.c.month.in_(months))
        .cte("pairs")
    )
    zero = cast(literal_column("0"), Double)
    amounts = {  # grant, baseline, follow-up
        "citizens": (cast(literal_column("1"), Double), zero, zero),
        "baseline_score": (zero, pairs.c.baseline_score, zero),
        "score_change": (zero, -pairs.c.baseline_score, pairs.c.follow_up_score),
    }[measure]
    rows = [("grant", null(), null(), pairs.c.source_file, pairs.c.source_line, pairs.c.etl_run_id),
            ("baseline", pairs.c.baseline_date, pairs.c.baseline_score, pairs.c.baseline_file, pairs.c.baseline_line,
             pairs.c.baseline_run),
            ("follow_up", pairs.c.follow_up_date, pairs.c.follow_up_score, pairs.c.follow_up_file,
             pairs.c.follow_up_line, pairs.c.follow_up_run)]
    parts = [
        select(pairs.c.month, amount.label("amount"), literal_column(f"'{kind}'", String).label("fact_row"),
               pairs.c.paying_municipality_code, pairs.c.acting_municipality_code, pairs.c.area,
               pairs.c.measure_group, pairs.c.placement_type_code, pairs.c.provider_key, pairs.c.target_group,
               pairs.c.instrument, pairs.c.horizon_months, pairs.c.grant_key, pairs.c.citizen_key,
               pairs.c.start_date, pairs.c.due, cast(day, Date).label("assessment_date"),
               cast(score, Double).label("score"), file.label("source_file"), line.label("source_line"),
               run.label("etl_run_id"), pairs.c.caseworker_key.label("responsible_caseworker"))
        for amount, (kind, day, score, file, line, run) in zip(amounts, rows, strict=True)
    ]
    return select(union_all(*parts).subquery("effect"))


def _step(measure_group=dim_measure_group, placement_type=dim_placement_type):
    return func.coalesce(placement_type.c.staircase_step, measure_group.c.staircase_step)


def _staircase(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A grant on the staircase counts 12 months after the month it started, once per citizen and cell; stepped
    down if the highest step among the citizen's person-months then is lower than the grant's."""
    grant, month, person = fact_grant, dim_month, fact_person_month
    now_group, now_type = dim_measure_group.alias("now_group"), dim_placement_type.alias("now_type")
    steps_now = (
        select(person.c.citizen_key, person.c.month, person.c.grant_key, person.c.measure_group,
               person.c.placement_type_code, person.c.caseworker_key, _step(now_group, now_type).label("step"))
        .select_from(person.join(now_group, now_group.c.measure_group == person.c.measure_group)
                     .outerjoin(now_type, now_type.c.placement_type_code == person.c.placement_type_code))
        .where(_step(now_group, now_type).is_not(None), person.c.month.in_(months))
        .subquery("steps_now")
    )
    step_now = (select(steps_now.c.citizen_key, steps_now.c.month, func.max(steps_now.c.step).label("step"))
                .group_by(steps_now.c.citizen_key, steps_now.c.month).subquery("step_now"))
    cell = [grant.c.paying_municipality_code, grant.c.acting_municipality_code, grant.c.area, grant.c.measure_group,
            grant.c.placement_type_code, grant.c.target_group]
    stepped_down = step_now.c.step < _step()
    first_month = select(func.min(month.c.month)).scalar_subquery()
    started = (
        select(month.c.month, _first_in([month.c.month, *cell, grant.c.citizen_key],
                                           [grant.c.source_file, grant.c.source_line]).label("amount"),
               *cell, grant.c.citizen_key, grant.c.grant_key, grant.c.start_date, _step().label("step_started"),
               step_now.c.step.label("step_now"), grant.c.source_file, grant.c.source_line, grant.c.etl_run_id,
               grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            grant.join(dim_measure_group, dim_measure_group.c.measure_group == grant.c.measure_group)
            .outerjoin(dim_placement_type, dim_placement_type.c.placement_type_code == grant.c.placement_type_code)
            .join(month, _months_later(month, grant.c.start_date, STAIRCASE_MONTHS))
            .outerjoin(step_now, and_(step_now.c.citizen_key == grant.c.citizen_key,
                                      step_now.c.month == month.c.month))
        )
        .where(grant.c[municipality_column] == municipality, month.c.month.in_(months), _step().is_not(None),
               grant.c.start_date >= first_month, stepped_down if measure == "citizens_stepped_down" else true())
        .subquery("started")
    )
    kind = literal_column("'started'", String).label("fact_row")
    started_rows = select(started.c.month, started.c.amount, kind, *[started.c[c.name] for c in cell],
                          started.c.citizen_key, started.c.grant_key, started.c.start_date, started.c.step_started,
                          started.c.step_now, cast(null(), String).label("now_measure_group"),
                          cast(null(), String).label("now_placement_type_code"),
                          cast(null(), Integer).label("now_step"), started.c.source_file, started.c.source_line,
                          started.c.etl_run_id, started.c.responsible_caseworker)
    if measure == "citizens_started":
        return select(started_rows.subquery("staircase"))
    # The person-months that put the stepped-down citizens on a lower step: amount 0, one per counted citizen.
    counted = select(started).where(started.c.amount == 1).subquery("counted")
    now_rows = (
        select(counted.c.month, literal_column("0", Integer), literal_column("'now'", String),
               *[counted.c[c.name] for c in cell], counted.c.citizen_key, steps_now.c.grant_key, counted.c.start_date,
               counted.c.step_started, counted.c.step_now, steps_now.c.measure_group,
               steps_now.c.placement_type_code, steps_now.c.step, grant.c.source_file, grant.c.source_line,
               grant.c.etl_run_id, steps_now.c.caseworker_key)
        .select_from(
            counted.join(steps_now, and_(steps_now.c.citizen_key == counted.c.citizen_key,
                                         steps_now.c.month == counted.c.month))
            .join(grant, grant.c.grant_key == steps_now.c.grant_key)
        )
    )
    return select(union_all(started_rows, now_rows).subquery("staircase"))


def _placement_followup(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A placed person-month counts 12 months later with its own municipalities, placement type and age; not
    placed, if the citizen has no placement person-month then."""
    before, now, month = fact_person_month.alias("before"), fact_person_month.alias("now"), dim_month
    placed_now = now.c.citizen_key.is_not(None)
    counted = {"placed_year_before": true(), "not_placed_now": ~placed_now}[measure]
    return (
        select(month.c.month, literal_column("1", Integer).label("amount"),
               before.c.paying_municipality_code, before.c.acting_municipality_code, before.c.placement_type_code,
               before.c.age, before.c.sex, before.c.citizen_key, before.c.month.label("placed_month"),
               before.c.grant_key, before.c.legal_basis_code, placed_now.label("placed_now"),
               now.c.grant_key.label("grant_key_now"), now.c.placement_type_code.label("placement_type_code_now"),
               fact_grant.c.source_file, fact_grant.c.source_line, fact_grant.c.etl_run_id,
               before.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            before.join(month, _months_later(month, before.c.month, STAIRCASE_MONTHS))
            .outerjoin(now, and_(now.c.citizen_key == before.c.citizen_key, now.c.month == month.c.month,
                                 now.c.measure_group == "placement"))
            .outerjoin(fact_grant, fact_grant.c.grant_key == before.c.grant_key)
        )
        .where(before.c.measure_group == "placement", before.c[municipality_column] == municipality,
               month.c.month.in_(months), counted)
    )


def _forecast(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Commitments of grants active at the month's end; the forecast adds postings so far, less the budget."""
    grant, month, payment, budget = fact_grant, dim_month, fact_payment, fact_budget
    year_end = func.make_date(month.c.year, 12, 31)
    days_left = func.least(func.coalesce(grant.c.end_date, year_end), year_end) - _last_day()  # date - date: days
    cell = [month.c.month, grant.c.paying_municipality_code.label("municipality_code"), grant.c.function_code]

    def kind(name: str):
        return literal_column(f"'{name}'", String).label("fact_row")

    def lineage(table, caseworker):
        return [table.c.source_file, table.c.source_line, table.c.etl_run_id,
                caseworker.label("responsible_caseworker")]

    parts = [
        select(*cell, dim_account_function.c.area,
               func.round(grant.c.monthly_cost * days_left / DAYS_PER_MONTH, 2).label("amount"), kind("commitment"),
               grant.c.grant_key, *lineage(grant, grant.c.caseworker_key))
        .select_from(grant.join(month, and_(grant.c.start_date <= _last_day(),
                                            func.coalesce(grant.c.end_date, date(9999, 12, 31)) > _last_day()))
                     .join(dim_account_function, dim_account_function.c.function_code == grant.c.function_code))
        .where(grant.c.paying_municipality_code == municipality, month.c.month.in_(months))
    ]
    if measure in ("forecast_year", "forecast_over_budget"):
        parts.append(
            select(month.c.month, payment.c.municipality_code, payment.c.function_code, dim_account_function.c.area,
                   payment.c.amount.label("amount"), kind("posting"), payment.c.grant_key,
                   *lineage(payment, fact_grant.c.caseworker_key))
            .select_from(payment.join(month, and_(extract("year", payment.c.period_month) == month.c.year,
                                                  payment.c.period_month <= month.c.month))
                         .join(dim_account_function, dim_account_function.c.function_code == payment.c.function_code)
                         .outerjoin(fact_grant, fact_grant.c.grant_key == payment.c.grant_key))
            .where(payment.c.municipality_code == municipality, month.c.month.in_(months)))
    if measure == "forecast_over_budget":
        parts.append(
            select(month.c.month, budget.c.municipality_code, budget.c.function_code, dim_account_function.c.area,
                   (-budget.c.corrected_budget).label("amount"), kind("budget"), null().label("grant_key"),
                   *lineage(budget, null()))
            .select_from(budget.join(month, month.c.year == budget.c.year)
                         .join(dim_account_function, dim_account_function.c.function_code == budget.c.function_code))
            .where(budget.c.municipality_code == municipality, month.c.month.in_(months)))
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _spend_placement(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A posting linked to a grant with a placement type, in its accounting month."""
    payment = fact_payment
    return (
        select(payment.c.period_month.label("month"), payment.c.amount.label("amount"), payment.c.municipality_code,
               payment.c.function_code, dim_account_function.c.area, fact_grant.c.placement_type_code,
               payment.c.voucher, payment.c.posting_date, payment.c.citizen_key, payment.c.grant_key,
               payment.c.source_file, payment.c.source_line, payment.c.etl_run_id,
               fact_grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(payment.join(fact_grant, fact_grant.c.grant_key == payment.c.grant_key)
                     .join(dim_account_function, dim_account_function.c.function_code == payment.c.function_code))
        .where(payment.c.municipality_code == municipality, payment.c.period_month.in_(months),
               fact_grant.c.placement_type_code.is_not(None))
    )


def _placement_duration(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A placed person-month with the whole calendar months from its grant's start month."""
    person, grant = fact_person_month, fact_grant
    elapsed = ((extract("year", person.c.month) - extract("year", grant.c.start_date)) * 12
               + extract("month", person.c.month) - extract("month", grant.c.start_date))
    amount = {"placed": literal(1), "placement_months": elapsed}[measure]
    return (
        select(person.c.month, amount.label("amount"), person.c.paying_municipality_code,
               person.c.acting_municipality_code, person.c.placement_type_code, person.c.age, person.c.sex,
               person.c.citizen_key, person.c.grant_key, grant.c.start_date, elapsed.label("months_placed"),
               grant.c.source_file, grant.c.source_line, grant.c.etl_run_id,
               person.c.caseworker_key.label("responsible_caseworker"))
        .select_from(person.join(grant, grant.c.grant_key == person.c.grant_key))
        .where(person.c.measure_group == "placement", person.c[municipality_column] == municipality,
               person.c.month.in_(months))
    )


def _youth_support(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Each month after the last placement month before 18 in which the young person is 18-22, and the youth
    support (a youth-support measure, or a placement kept up after 18) they have then."""
    person, citizen, month = fact_person_month, dim_citizen, dim_month
    placed_young = (
        select(person.c.citizen_key, person.c.month.label("last_placed"), person.c.paying_municipality_code,
               person.c.acting_municipality_code, person.c.grant_key,
               func.row_number().over(partition_by=person.c.citizen_key, order_by=person.c.month.desc())
               .label("newest"))
        .where(person.c.measure_group == "placement", person.c.age < ADULT_AGE)
        .subquery("placed_young"))
    supported = (
        select(person.c.citizen_key, person.c.month, func.min(person.c.grant_key).label("grant_key"))
        .where(or_(person.c.measure_group == "youth_support",
                   and_(person.c.measure_group == "placement", person.c.age >= ADULT_AGE)))
        .group_by(person.c.citizen_key, person.c.month)
        .subquery("supported"))
    born = citizen.c.birth_date
    age = (month.c.year - extract("year", born)
           - case((month.c.month_of_year * 100 + month.c.days_in_month
                   < extract("month", born) * 100 + extract("day", born), 1), else_=0))
    with_support = supported.c.grant_key.is_not(None)
    counted, lineage_grant = {"formerly_placed": (true(), placed_young.c.grant_key),
                              "with_youth_support": (with_support, supported.c.grant_key)}[measure]
    return (
        select(month.c.month, literal_column("1", Integer).label("amount"),
               placed_young.c.paying_municipality_code, placed_young.c.acting_municipality_code,
               age.label("age"), citizen.c.sex, placed_young.c.citizen_key, placed_young.c.last_placed,
               placed_young.c.grant_key.label("placement_grant_key"),
               supported.c.grant_key.label("support_grant_key"), with_support.label("with_youth_support"),
               fact_grant.c.source_file, fact_grant.c.source_line, fact_grant.c.etl_run_id,
               fact_grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            placed_young.join(citizen, citizen.c.citizen_key == placed_young.c.citizen_key)
            .join(month, and_(month.c.month > placed_young.c.last_placed,
                              age.between(ADULT_AGE, YOUTH_SUPPORT_LAST_AGE)))
            .outerjoin(supported, and_(supported.c.citizen_key == placed_young.c.citizen_key,
                                       supported.c.month == month.c.month))
            .join(fact_grant, fact_grant.c.grant_key == lineage_grant)
        )
        .where(placed_young.c.newest == 1, placed_young.c[municipality_column] == municipality,
               month.c.month.in_(months), counted)
    )


def _month_index(day):
    return extract("year", day) * 12 + extract("month", day)


def _age_at(born, year, month_of_year, day_of_month):
    return year - extract("year", born) - case(
        (month_of_year * 100 + day_of_month < extract("month", born) * 100 + extract("day", born), 1), else_=0)


def _placement_breakdown(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A placement in each month whose 12-month window it touches; a breakdown if it ended so within it."""
    grant, citizen, month = fact_grant, dim_citizen, dim_month
    first = select(func.min(month.c.month)).scalar_subquery()
    end, now = grant.c.end_date, _month_index(month.c.month)
    ended_by_now = and_(end.is_not(None), _month_index(end) <= now)
    broke_down = and_(ended_by_now, func.coalesce(dim_end_reason.c.breakdown, False))
    age = case((ended_by_now, _age_at(citizen.c.birth_date, extract("year", end), extract("month", end),
                                      extract("day", end))),
               else_=_age_at(citizen.c.birth_date, month.c.year, month.c.month_of_year, month.c.days_in_month))
    amount = {"placements": literal(1), "breakdowns": case((broke_down, 1), else_=0)}[measure]
    return (
        select(month.c.month, amount.label("amount"), grant.c.paying_municipality_code,
               grant.c.acting_municipality_code, grant.c.placement_type_code, age.label("age"), citizen.c.sex,
               grant.c.citizen_key, grant.c.grant_key, grant.c.start_date, grant.c.end_date, grant.c.end_reason_code,
               case((broke_down, 1), else_=0).label("breakdown"), grant.c.source_file, grant.c.source_line,
               grant.c.etl_run_id, grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            grant.join(citizen, citizen.c.citizen_key == grant.c.citizen_key)
            .join(month, and_(_month_index(grant.c.start_date) <= now,
                              or_(end.is_(None), _month_index(end) >= now - (BREAKDOWN_WINDOW_MONTHS - 1))))
            .outerjoin(dim_end_reason, dim_end_reason.c.end_reason_code == grant.c.end_reason_code))
        .where(grant.c.measure_group == "placement", or_(end.is_(None), end >= first),
               grant.c[municipality_column] == municipality, month.c.month.in_(months))
    )


def _days_after(day, days: int):
    return cast(day + literal_column(f"INTERVAL '{days} days'", Interval), Date)


def _transition_gap(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """The assessed young person's last children's grant, in the month 30 days after the end ran out."""
    grant, citizen, month = fact_grant, dim_citizen, dim_month
    by_citizen = grant.c.citizen_key
    children = (
        select(grant.c.citizen_key, grant.c.grant_key, grant.c.end_date, grant.c.paying_municipality_code,
               grant.c.acting_municipality_code, grant.c.source_file, grant.c.source_line, grant.c.etl_run_id,
               grant.c.caseworker_key,
               func.row_number().over(partition_by=by_citizen, order_by=(grant.c.end_date.desc(),
                                                                         grant.c.grant_key.desc())).label("newest"),
               (func.count().over(partition_by=by_citizen) - func.count(grant.c.end_date).over(partition_by=by_citizen))
               .label("still_open"),
               func.max(case((grant.c.adult_need_assessed, 1), else_=0)).over(partition_by=by_citizen)
               .label("assessed"))
        .where(grant.c.area == "children")
        .subquery("children"))
    adult = fact_grant.alias("adult")
    end = children.c.end_date
    adult_in_time = (select(func.min(adult.c.grant_key))
                     .where(adult.c.citizen_key == children.c.citizen_key, adult.c.area == "adults",
                            adult.c.start_date <= _days_after(end, TRANSITION_DAYS),
                            or_(adult.c.end_date.is_(None), adult.c.end_date >= end))
                     .scalar_subquery())
    in_time = adult_in_time.is_not(None)
    due = cast(func.date_trunc("month", _days_after(end, TRANSITION_DAYS + 1)), Date)
    age = _age_at(citizen.c.birth_date, extract("year", end), extract("month", end), extract("day", end))
    amount = {"assessed": literal(1), "without_adult_measure": case((in_time, 0), else_=1)}[measure]
    return (
        select(month.c.month, amount.label("amount"), children.c.paying_municipality_code,
               children.c.acting_municipality_code, age.label("age"), citizen.c.sex, children.c.citizen_key,
               children.c.grant_key, end.label("children_end_date"), in_time.label("adult_measure_in_time"),
               adult_in_time.label("adult_grant_key"), children.c.source_file, children.c.source_line,
               children.c.etl_run_id, children.c.caseworker_key.label("responsible_caseworker"))
        .select_from(children.join(citizen, citizen.c.citizen_key == children.c.citizen_key)
                     .join(month, month.c.month == due))
        .where(children.c.newest == 1, children.c.still_open == 0, children.c.assessed == 1,
               age.between(*TRANSITION_AGES), children.c[municipality_column] == municipality,
               month.c.month.in_(months))
    )


def _notifications(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A notification counts in the month it was received, with the child's age on that day."""
    note, citizen = fact_notification, dim_citizen
    born, received = citizen.c.birth_date, note.c.received_date
    age = (extract("year", received) - extract("year", born)
           - case((extract("month", received) * 100 + extract("day", received)
                   < extract("month", born) * 100 + extract("day", born), 1), else_=0))
    month = cast(func.date_trunc("month", received), Date)
    return (
        select(month.label("month"), literal_column("1", Integer).label("amount"), *note.c,
               age.label("age"), citizen.c.sex, literal(None).label("responsible_caseworker"))
        .select_from(note.join(citizen, citizen.c.citizen_key == note.c.citizen_key))
        .where(note.c.municipality_code == municipality, month.in_(months))
    )


def _reimbursement(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Claimable postings (on grants another municipality pays for, from the family's move there) or 7.7 income."""
    payment, grant = fact_payment, fact_grant
    claimed = (select(grant.c.grant_key, grant.c.citizen_key, grant.c.paying_municipality_code)
               .where(grant.c.paying_municipality_code != grant.c.acting_municipality_code).cte("claimed"))
    family = union(
        select(claimed.c.grant_key, claimed.c.citizen_key.label("person")),
        select(claimed.c.grant_key, fact_relation.c.parent_key)
        .select_from(claimed.join(fact_relation, fact_relation.c.child_key == claimed.c.citizen_key)),
    ).subquery("family")
    moved = (
        select(claimed.c.grant_key, func.min(fact_residence.c.moved_in).label("claimable_from"))
        .select_from(claimed.outerjoin(family, family.c.grant_key == claimed.c.grant_key)
                     .outerjoin(fact_residence, and_(fact_residence.c.citizen_key == family.c.person,
                                                     fact_residence.c.municipality_code
                                                     == claimed.c.paying_municipality_code)))
        .group_by(claimed.c.grant_key).subquery("moved"))
    common = (payment.c.period_month.label("month"), payment.c.municipality_code, payment.c.function_code,
              dim_account_function.c.area, payment.c.voucher, payment.c.posting_date, payment.c.grant_key,
              payment.c.citizen_key, payment.c.art, payment.c.amount.label("posting_amount"), payment.c.source_file,
              payment.c.source_line, payment.c.etl_run_id)
    chart = payment.join(dim_account_function, dim_account_function.c.function_code == payment.c.function_code)
    where = (payment.c.municipality_code == municipality, payment.c.period_month.in_(months))
    if measure == "recovered":
        return (select(*common, (-payment.c.amount).label("amount"), cast(null(), Date).label("claimable_from"),
                       literal(None).label("responsible_caseworker"))
                .select_from(chart).where(*where, payment.c.art == RECEIVED_ART))
    return (
        select(*common, payment.c.amount.label("amount"), moved.c.claimable_from,
               grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(chart.join(moved, moved.c.grant_key == payment.c.grant_key)
                     .join(grant, grant.c.grant_key == payment.c.grant_key))
        .where(*where, payment.c.posting_date >= func.coalesce(moved.c.claimable_from, date(1900, 1, 1)))
    )


_SOURCES = {
    "agg_persons_month": _persons,
    "agg_population_month": _population,
    "agg_spend_month": _spend,
    "agg_budget_month": _budget,
    "agg_grants_month": _grants,
    "agg_dq_month": _findings,
    "agg_effect_month": _effect,
    "agg_staircase_month": _staircase,
    "agg_placement_followup_month": _placement_followup,
    "agg_forecast_month": _forecast,
    "agg_spend_placement_month": _spend_placement,
    "agg_placement_duration_month": _placement_duration,
    "agg_youth_support_month": _youth_support,
    "agg_placement_breakdown_month": _placement_breakdown,
    "agg_transition_gap_month": _transition_gap,
    "agg_notification_month": _notifications,
    "agg_reimbursement_month": _reimbursement,
}
