"""One ranked table of what to fix first: every analyzer's findings, with the conversions at stake."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._validation import check_number, to_timedelta, warn
from ..derive import Goal, visits
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import ACTIVITY, DEPARTMENT, DIRECTION
from . import _common as C
from ._stats import newcombe_diff_ci, rate
from .dead_ends import _dead_ends
from .dropoffs import dropoffs
from .gaps import _silent, _unanswered
from .handoffs import _handoffs
from .repeats import _repeats, loops

__all__ = ["pain_points"]

#: The kinds of finding, in the order used to break ties.
KINDS: tuple[str, ...] = (
    "drop_off",
    "dead_end",
    "ping_pong",
    "handoff",
    "silent_gap",
    "repeat_contact",
    "unanswered",
    "loop",
)

_COLUMNS = (
    "rank",
    "kind",
    "where",
    "journeys_affected",
    "conversion_affected",
    "conversion_unaffected",
    "conversion_gap",
    "conversions_lost",
    "conversions_lost_low",
    "conversions_lost_high",
    "kind_rank",
    "detail",
)


def pain_points(
    log: JourneyLog,
    *,
    goal: Goal,
    by: str = DEPARTMENT,
    window: str | pd.Timedelta = "7D",
    min_journeys: int = 20,
    factor: float = 7.0,
    floor: str | pd.Timedelta = "1D",
    self_service: Sequence[str] | None = C.SELF_SERVICE,
) -> pd.DataFrame:
    """All findings of the analyzers in one table, ranked: what to fix first.

    Each row is one finding of one kind, with the journeys it affects and how their
    conversion compares with comparable journeys it does not affect:

    ==============  ==================  ==================================  ====================================
    kind            where               affected journeys                   compared with (unaffected)
    ==============  ==================  ==================================  ====================================
    drop_off        touchpoint          end there without converting        reached it and did not end there
                                        (:func:`dropoffs`)
    dead_end        touchpoint          visit it before converting          all other journeys
                                        (:func:`dead_ends`, flagged ones)
    ping_pong       "A → B → A"         bounced A -> B -> A                 had the A -> B handoff, no bounce
                                                                            (all journeys without the bounce
                                                                            when fewer than ``min_journeys``)
    handoff         "A → B"             have the handoff                    all other journeys
                                        (:func:`handoffs`)
    silent_gap      "A → B"             a silent gap on A -> B              had A -> B, with no silent gap
                                        (:func:`silent_gaps_summary`)
    repeat_contact  "email → phone"     a contact repeated on the other     had a contact on the first channel,
                                        channel within ``window``           not repeated that way
                                        (:func:`repeat_contacts`)
    unanswered      touchpoint          end on it unanswered                had it (inbound) without ending
                                        (:func:`unanswered`, finished)      unanswered on it
    loop            touchpoint          visit it more than once             visit it once
                                        (:func:`loops`)
    ==============  ==================  ==================================  ====================================

    ``conversions_lost = affected x (conversion_unaffected - conversion_affected)``,
    over journeys with known outcome, with a 95% interval from Newcombe's interval of
    the difference; it is negative where the affected journeys convert *better*.

    **Which findings.** A row needs at least ``min_journeys`` affected journeys. Kinds
    that are always present in a log need evidence of harm: a drop-off must lose
    conversions (those who go on from it convert), a dead end must be flagged by
    :func:`dead_ends`, a handoff must have a conversion difference whose whole
    interval is below zero, a ping-pong must cost conversions (``conversions_lost > 0``;
    a bounce that costs none is usually a normal flow such as payment in billing, purchase
    in sales, receipt from billing), a loop must have ``conversions_lost_low > 0``; silent
    gaps need a transition with its own baseline.

    **Ranking.** Within each kind, findings keep the order of their own table (drop-offs
    and handoffs by conversions lost, dead ends as in :func:`dead_ends`, silent gaps by
    their share, repeat contacts and unanswered contacts by count, ping-pongs and
    loops by conversions lost); that position is ``kind_rank``. The table then
    interleaves the kinds: first every kind's worst finding, ordered among themselves
    by ``conversions_lost``, then every kind's second finding, and so on. Conversions
    lost alone would bury the problems that hurt the customer without showing in
    conversion (a two-week silence, a customer who has to call three times) under
    variations of one funnel problem; interleaving puts the worst problem of every
    kind in the top ten rows, each with its cost in conversions next to it. Ties are
    broken by kind (in the order of the table above) and ``where``, so the order is
    deterministic.

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or callable
        The goal touchpoint(s) or a predicate over the events.
    by : str, default "department"
        The column for handoffs and ping-pongs (skipped, with a warning, when it has no
        values).
    window : str or Timedelta, default "7D"
        For repeat contacts (also after handoffs).
    min_journeys : int, default 20
        Fewest affected journeys for a finding to be listed.
    factor, floor
        Passed to :func:`silent_gaps`.
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are not customer contacts.

    Returns
    -------
    pandas.DataFrame
        One row per finding, columns ``rank`` (1, 2, ...), ``kind``, ``where``,
        ``journeys_affected``, ``conversion_affected``, ``conversion_unaffected``,
        ``conversion_gap`` (unaffected - affected), ``conversions_lost``,
        ``conversions_lost_low``, ``conversions_lost_high``, ``kind_rank`` and
        ``detail`` (one sentence with the finding's own figures).

    Warns
    -----
    DataQualityWarning
        When kinds are skipped because the log has no ``direction`` values (repeat
        contacts, unanswered contacts) or no ``by`` values (handoffs, ping-pongs).

    Examples
    --------
    >>> import journeymine as jm
    >>> pp = jm.pain_points(jm.datasets.load_sample(), goal="purchase")
    >>> list(pp.columns[:4])
    ['rank', 'kind', 'where', 'journeys_affected']
    >>> pp["rank"].is_monotonic_increasing
    True
    """
    func = "pain_points"
    C.check_log(log, func)
    check_number(min_journeys, "min_journeys", func, low=1, integer=True)
    win = to_timedelta(window, "window", func, allow_none=False)
    out = C.outcome(log, goal, func)
    parts = [
        _drop_off_rows(log, goal, min_journeys),
        _dead_end_rows(log, goal, out, min_journeys),
    ]
    skipped: list[str] = []
    if C.has_values(log, by):
        parts += _handoff_rows(log, by, goal, out, win, self_service, min_journeys)
    else:
        skipped.append(f"handoffs and ping-pongs (no {by!r} values; {C._HINTS.get(by, '')})")
    parts.append(_silent_rows(log, out, factor, floor, min_journeys))
    if C.has_values(log, DIRECTION):
        parts.append(_repeat_rows(log, out, win, self_service, min_journeys))
        parts.append(_unanswered_rows(log, out, min_journeys))
    else:
        skipped.append(
            f"repeat contacts and unanswered contacts (no 'direction' values; {C._HINTS[DIRECTION]})"
        )
    parts.append(_loop_rows(log, out, min_journeys))
    if skipped:
        warn(f"{func} skipped " + "; and ".join(skipped), DataQualityWarning)
    return _rank(
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else _empty()
    )


# --------------------------------------------------------------------------- helpers


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: []
            for c in (
                "kind",
                "where",
                "journeys_affected",
                "n_aff",
                "k_aff",
                "n_un",
                "k_un",
                "kind_rank",
                "detail",
            )
        }
    )


def _frame(
    kind: str, where: Any, journeys: Any, n_aff: Any, k_aff: Any, n_un: Any, k_un: Any, detail: Any
) -> pd.DataFrame:
    n = len(where)
    return pd.DataFrame(
        {
            "kind": [kind] * n,
            "where": list(where),
            "journeys_affected": np.asarray(journeys, dtype=np.int64),
            "n_aff": np.asarray(n_aff, dtype=np.int64),
            "k_aff": np.asarray(k_aff, dtype=np.int64),
            "n_un": np.asarray(n_un, dtype=np.int64),
            "k_un": np.asarray(k_un, dtype=np.int64),
            "kind_rank": np.arange(1, n + 1, dtype=np.int64),
            "detail": list(detail),
        }
    )


def _journey_counts(
    out: C.Outcome, cases: np.ndarray, rows: np.ndarray, R: int, *, distinct: bool = False
) -> tuple[np.ndarray, ...]:
    """Per row: distinct journeys, those with known outcome, and those converted.

    ``distinct=True``: the (journey, row) pairs are distinct already (visits).
    """
    ok = rows >= 0
    if not ok.any() or R == 0:
        z = np.zeros(R, dtype=np.int64)
        return z, z.copy(), z.copy()
    if distinct:
        kc, kr = cases[ok], rows[ok]
    else:
        key = K.distinct(cases[ok].astype(np.int64) * R + rows[ok], case_major=True)
        kc, kr = key // R, key % R
    known = out.known[kc]
    total = np.bincount(kr, minlength=R)
    n = np.bincount(kr[known], minlength=R)
    k = np.bincount(kr[known & out.converted[kc]], minlength=R)
    return total, n, k


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.0%}"


def _dur(td: Any) -> str:
    if td is None or pd.isna(td):
        return "n/a"
    s = pd.Timedelta(td).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.1f}{unit}".replace(".0" + unit, unit)
    return f"{s:.0f}s"


# --------------------------------------------------------------------------- one builder per kind


def _drop_off_rows(log: JourneyLog, goal: Goal, min_journeys: int) -> pd.DataFrame:
    d = dropoffs(log, goal=goal)
    d = d[(d["lost"] >= min_journeys) & (d["conversions_lost"] > 0)]
    known = d["journeys"] - d["ongoing"]
    detail = [
        f"{_pct(r.exit_rate)} of the {r.journeys} journeys reaching it end there unconverted; "
        f"{_pct(r.continuing_conversion)} of those that go on convert"
        for r in d.itertuples()
    ]
    return _frame(
        "drop_off",
        d["touchpoint"],
        d["lost"],
        d["lost"],
        np.zeros(len(d)),
        known - d["lost"],
        d["converted"],
        detail,
    )


def _dead_end_rows(log: JourneyLog, goal: Goal, out: C.Outcome, min_journeys: int) -> pd.DataFrame:
    d = _dead_ends(log, goal, min_journeys, ACTIVITY, "pain_points")
    d = d[d["dead_end"]]
    n_all = int(out.known.sum())
    k_all = int((out.known & out.converted).sum())
    detail = [
        f"{_pct(r.conversion)} of visiting journeys convert afterwards vs {_pct(r.overall_conversion)} "
        f"overall" + ("; no path to the goal" if not r.reaches_goal else "")
        for r in d.itertuples()
    ]
    return _frame(
        "dead_end",
        d["touchpoint"],
        d["journeys"],
        d["known"],
        d["converted"],
        n_all - d["known"],
        k_all - d["converted"],
        detail,
    )


def _handoff_rows(
    log: JourneyLog,
    by: str,
    goal: Goal,
    out: C.Outcome,
    win: pd.Timedelta,
    self_service: Sequence[str] | None,
    min_journeys: int,
) -> list[pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        table, parts = _handoffs(log, by, goal, win, self_service, "pain_points")
    inv, back, case, g = (parts[k] for k in ("inv", "back", "case", "groups"))
    pp_total = _journey_counts(out, case[back], inv[back], len(parts["uniq"]))[0]
    idx = parts["order"]  # the pair of each row of the table
    if not len(idx):
        return []
    t = table.assign(
        _n_with=g["n_with"][idx],
        _k_with=g["k_with"][idx],
        _n_wo=g["n_wo"][idx],
        _k_wo=g["k_wo"][idx],
        _n_pp=g["n_pp"][idx],
        _k_pp=g["k_pp"][idx],
        _pp_total=pp_total[idx],
    )
    arrow = C.ARROW
    # handoffs whose conversion difference is below zero with 95% confidence
    hs = t[(t["journeys"] >= min_journeys) & (t["difference_high"] < 0)]
    h_lost = (hs["_n_with"] * -hs["conversion_difference"]).to_numpy(float)
    hs = hs.iloc[np.lexsort((C.sort_key(hs["to"]), C.sort_key(hs["from"]), -h_lost))]
    h_detail = [
        f"{n} handoffs, median delay {_dur(d)}"
        + ("" if pd.isna(rs) else f"; {_pct(rs)} followed by a repeat contact")
        for n, d, rs in zip(
            hs["handoffs"], hs["median_delay"], hs["repeat_contact_share"], strict=True
        )
    ]
    h_rows = _frame(
        "handoff",
        hs["from"] + arrow + hs["to"],
        hs["journeys"],
        hs["_n_with"],
        hs["_k_with"],
        hs["_n_wo"],
        hs["_k_wo"],
        h_detail,
    )
    pp = t[t["_pp_total"] >= min_journeys]
    n_npp = (pp["_n_with"] - pp["_n_pp"]).to_numpy()
    k_npp = (pp["_k_with"] - pp["_k_pp"]).to_numpy()
    # when (nearly) every A -> B handoff bounces, compare with all journeys without the bounce
    few = n_npp < min_journeys
    n_all = int(out.known.sum())
    k_all = int((out.known & out.converted).sum())
    n_npp = np.where(few, n_all - pp["_n_pp"].to_numpy(), n_npp)
    k_npp = np.where(few, k_all - pp["_k_pp"].to_numpy(), k_npp)
    versus = np.where(few, "all journeys without it", "the other journeys with the ")
    lost = pp["_n_pp"].to_numpy() * (
        rate(k_npp, n_npp) - rate(pp["_k_pp"].to_numpy(), pp["_n_pp"].to_numpy())
    )
    order = np.lexsort(
        (
            C.sort_key(pp["to"]),
            C.sort_key(pp["from"]),
            -pp["_pp_total"].to_numpy(),
            -np.nan_to_num(np.asarray(lost, float)),
        )
    )
    # a bounce through a department that costs no conversions is usually a normal flow
    # (payment in billing -> purchase in sales -> receipt from billing): keep only harm
    order = order[np.nan_to_num(np.asarray(lost, float)[order]) > 0]
    pp, n_npp, k_npp, versus = pp.iloc[order], n_npp[order], k_npp[order], versus[order]
    p_detail = [
        f"{n} ping-pongs in {j} journeys; {_pct(c)} of them convert, against {_pct(rate(kn, nn))} "
        f"of {vs}" + (f"{f}{arrow}{to} handoff" if vs.endswith("the ") else "")
        for n, j, c, f, to, kn, nn, vs in zip(
            pp["ping_pongs"],
            pp["_pp_total"],
            pp["ping_pong_conversion"],
            pp["from"],
            pp["to"],
            k_npp,
            n_npp,
            versus,
            strict=True,
        )
    ]
    p_rows = _frame(
        "ping_pong",
        pp["from"] + arrow + pp["to"] + arrow + pp["from"],
        pp["_pp_total"],
        pp["_n_pp"],
        pp["_k_pp"],
        n_npp,
        k_npp,
        p_detail,
    )
    return [h_rows, p_rows]


def _silent_rows(
    log: JourneyLog, out: C.Outcome, factor: float, floor: Any, min_journeys: int
) -> pd.DataFrame:
    _, s, it = _silent(log, None, factor, floor, 20, ACTIVITY, "pain_points")
    R = len(s)
    tot_s, n_s, k_s = _journey_counts(out, it["case_silent"], it["row_silent"], R)
    _, n_t, k_t = _journey_counts(out, it["case_transition"], it["row_transition"], R)
    keep = np.flatnonzero((s["baseline"].to_numpy() != "global") & (tot_s >= min_journeys))
    s = s.iloc[keep]
    detail = [
        f"{_pct(r.share)} of {r.gaps} waits last over {_dur(r.threshold)} (typically {_dur(r.expected_gap)}); "
        f"median silent wait {_dur(r.median_silent_gap)}; {r.waiting_on_company} with the customer waiting on the company"
        for r in s.itertuples()
    ]
    return _frame(
        "silent_gap",
        s["from_activity"] + C.ARROW + s["to_activity"],
        tot_s[keep],
        n_s[keep],
        k_s[keep],
        n_t[keep] - n_s[keep],
        k_t[keep] - k_s[keep],
        detail,
    )


def _repeat_rows(
    log: JourneyLog,
    out: C.Outcome,
    win: pd.Timedelta,
    self_service: Sequence[str] | None,
    min_journeys: int,
) -> pd.DataFrame:
    r, it = _repeats(log, win, "channel", self_service, False, "pain_points")
    R = len(r)
    tot, n_r, k_r = _journey_counts(out, it["case_repeat"], it["row_repeat"], R)
    _, n_c, k_c = _journey_counts(out, it["case_contact"], it["row_contact"], R)
    keep = np.flatnonzero(tot >= min_journeys)
    r = r.iloc[keep]
    name = (
        r["from"].fillna("(missing)").astype(str)
        + C.ARROW
        + r["to"].fillna("(missing)").astype(str)
    )
    detail = [
        f"{_pct(sh)} of {f} contacts are followed by another contact, on {to}, within "
        f"{_dur(win)} (median {_dur(mi)} later)"
        for sh, f, to, mi in zip(
            r["share"],
            r["from"].fillna("(missing)"),
            r["to"].fillna("(missing)"),
            r["median_interval"],
            strict=True,
        )
    ]
    return _frame(
        "repeat_contact",
        name,
        tot[keep],
        n_r[keep],
        k_r[keep],
        n_c[keep] - n_r[keep],
        k_c[keep] - k_r[keep],
        detail,
    )


def _unanswered_rows(log: JourneyLog, out: C.Outcome, min_journeys: int) -> pd.DataFrame:
    u, rows = _unanswered(log, 0.5, "pain_points")
    finished = ~u["ongoing"].to_numpy()
    u, rows = u[finished], rows[finished]
    codes, labels = C.level_codes(log, ACTIVITY, "pain_points")
    case = K.case_codes(log)
    lab_idx = pd.Index([str(x) for x in labels])
    u_case = case[rows]
    u_act = codes[rows]
    n_lab = len(labels)
    tot, n_u, k_u = _journey_counts(out, u_case, u_act, n_lab)
    inbound = C.direction_codes(log) == 0
    _, n_e, k_e = _journey_counts(out, case[inbound], codes[inbound], n_lab)
    rr = (
        u.groupby("activity", observed=True)["response_rate"].first()
        if len(u)
        else pd.Series(dtype=float)
    )
    acts = np.flatnonzero(tot >= min_journeys)
    acts = acts[np.lexsort((lab_idx[acts].to_numpy(), -tot[acts]))]
    detail = [
        f"{tot[a]} finished journeys end on it with no answer; it is answered {_pct(rr.get(lab_idx[a], np.nan))} of the time"
        for a in acts
    ]
    return _frame(
        "unanswered",
        lab_idx[acts],
        tot[acts],
        n_u[acts],
        k_u[acts],
        n_e[acts] - n_u[acts],
        k_e[acts] - k_u[acts],
        detail,
    )


def _loop_rows(log: JourneyLog, out: C.Outcome, min_journeys: int) -> pd.DataFrame:
    lp = loops(log)
    v = visits(log, ACTIVITY)
    labels = log._codes(ACTIVITY, "pain_points")[1]
    n_lab = len(labels)
    vc = v["case_id"].cat.codes.to_numpy().astype(np.int64)
    vv = v["value"].cat.codes.to_numpy().astype(np.int64)
    multi = v["n_visits"].to_numpy() > 1
    # visits are distinct (journey, touchpoint) pairs
    tot, n_l, k_l = _journey_counts(out, vc[multi], vv[multi], n_lab, distinct=True)
    _, n_o, k_o = _journey_counts(out, vc[~multi], vv[~multi], n_lab, distinct=True)
    lab_idx = pd.Index([str(x) for x in labels])
    idx = lab_idx.get_indexer(pd.Index(lp["touchpoint"], dtype=object))
    lo, _ = newcombe_diff_ci(k_o[idx], n_o[idx], k_l[idx], n_l[idx])
    lost = n_l[idx] * (rate(k_o[idx], n_o[idx]) - rate(k_l[idx], n_l[idx]))
    keep = (tot[idx] >= min_journeys) & (np.nan_to_num(lo) > 0)
    lp, idx, lost = lp[keep], idx[keep], np.asarray(lost)[keep]
    order = np.lexsort((lp["touchpoint"].to_numpy(), -lost))
    lp, idx = lp.iloc[order], idx[order]
    detail = [
        f"{_pct(r.loop_share)} of the journeys visiting it repeat it ({r.extra_visits} extra visits; "
        f"median {_dur(r.median_extra_time)} from first to last)"
        for r in lp.itertuples()
    ]
    return _frame(
        "loop", lp["touchpoint"], tot[idx], n_l[idx], k_l[idx], n_o[idx], k_o[idx], detail
    )


def _rank(rows: pd.DataFrame) -> pd.DataFrame:
    p_aff = rate(rows["k_aff"].to_numpy(), rows["n_aff"].to_numpy())
    p_un = rate(rows["k_un"].to_numpy(), rows["n_un"].to_numpy())
    lo, hi = newcombe_diff_ci(
        rows["k_un"].to_numpy(),
        rows["n_un"].to_numpy(),
        rows["k_aff"].to_numpy(),
        rows["n_aff"].to_numpy(),
    )
    n_aff = rows["n_aff"].to_numpy(float)
    gap = np.asarray(p_un, float) - np.asarray(p_aff, float)
    table = pd.DataFrame(
        {
            "kind": rows["kind"].astype(str).to_numpy(),
            "where": rows["where"].astype(str).to_numpy(),
            "journeys_affected": rows["journeys_affected"].to_numpy(np.int64),
            "conversion_affected": p_aff,
            "conversion_unaffected": p_un,
            "conversion_gap": gap,
            "conversions_lost": n_aff * gap,
            "conversions_lost_low": n_aff * np.asarray(lo, float),
            "conversions_lost_high": n_aff * np.asarray(hi, float),
            "kind_rank": rows["kind_rank"].to_numpy(np.int64),
            "detail": rows["detail"].astype(str).to_numpy(),
        }
    )
    kind_order = table["kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy()
    lost = np.nan_to_num(table["conversions_lost"].to_numpy(float), nan=-np.inf)
    order = np.lexsort(
        (table["where"].to_numpy(), kind_order, -lost, table["kind_rank"].to_numpy())
    )
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    return table[list(_COLUMNS)]
