"""Cells of 04-funnels-bpic2012.ipynb (written by _build.py)."""

from _build import md, py

CELLS = [
    md(
        """
        # Funnels and drop-offs: loan applications at a Dutch bank (BPI Challenge 2012)

        The BPI Challenge 2012 log records 13,087 personal-loan applications at a Dutch
        financial institute between October 2011 and March 2012: the application's
        states (`A_...`), the offers made (`O_...`) and the work items of the staff
        (`W_...`). The bank's funnel:

        **submitted → pre-accepted → accepted → finalized → approved**

        This notebook measures it, asks where the applications that fall out go, how
        long each step takes, which applications are simply not finished yet (ongoing
        is not lost), and whether the funnel differs by the amount requested.

        The log is public research data (4TU.ResearchData, CC BY 4.0) but not
        redistributed with journeymine: it is read from `../shared/data/real/` (from
        the repository root). Without it, the notebook runs the same analysis on the
        bundled sample's purchase funnel.
        """
    ),
    py(
        """
        import os
        import warnings
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        import pandas as pd

        import journeymine as jm

        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\n"
        plt.rcParams["figure.dpi"] = 80
        pd.set_option("display.max_columns", 12)
        pd.set_option("display.width", 160)
        pd.set_option("display.max_colwidth", 70)
        pd.set_option("display.precision", 3)

        # the public logs live next to the repository, in ../shared/data/real/ (from the repository root)
        if "JOURNEYMINE_REAL_DATA" in os.environ:
            REAL = Path(os.environ["JOURNEYMINE_REAL_DATA"])
        else:
            candidates = [Path("../../shared/data/real"), Path("../shared/data/real")]  # from notebooks/, from the root
            REAL = next((p for p in candidates if p.is_dir()), candidates[0])
        HAVE_REAL = (REAL / "bpic2012.xes.gz").is_file()
        print("BPI Challenge 2012 log:", "found" if HAVE_REAL else f"not found in {REAL.resolve()}; using the sample")
        """
    ),
    md(
        """
        ## 1. Load

        `read_xes` reads the XES file directly (no pm4py needed). The log has lifecycle
        transitions: work items are *scheduled*, *started* and *completed*, each an
        event; application and offer states are single *complete* events. We keep them
        all and carry the requested amount along (`keep=`).

        Everything the later cells need is set here, so that the same cells run on the
        sample when the real log is absent: the funnel `STEPS`, the `GOAL`, the final
        `OUTCOMES` of a journey, and a segment of each journey.
        """
    ),
    py(
        """
        if HAVE_REAL:
            log = jm.read_xes(REAL / "bpic2012.xes.gz", keep=["case:AMOUNT_REQ"])
            STEPS = ["A_SUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_FINALIZED", "A_APPROVED"]
            GOAL = "A_APPROVED"
            OUTCOMES = {"A_ACTIVATED": "approved", "A_DECLINED": "declined", "A_CANCELLED": "cancelled"}
            # the amount requested, in four bands of about equal size
            amount = pd.to_numeric(log.events.groupby("case_id", observed=True)["case:AMOUNT_REQ"].first())
            segment = pd.qcut(amount, 4, labels=["up to 5k", "5k-10k", "10k-17.6k", "over 17.6k"], duplicates="drop")
            segment.name = "amount requested"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", jm.DataQualityWarning)
                log = jm.datasets.load_sample()
            STEPS = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]
            GOAL = "purchase"
            OUTCOMES = {"purchase": "purchased", "cancel": "cancelled"}
            segment = log.events.groupby("case_id", observed=True)["acquisition"].first()
            segment.name = "acquisition"
        print(log)
        log.events["activity"].value_counts().head(12)
        """
    ),
    md(
        """
        ## 2. The funnel

        `funnel` counts the journeys that reach each step *in order* (other events
        allowed in between: `mode="eventual"`), how many drop out after each step, and
        for those: still ongoing, ended, or went elsewhere, and where to (`lost_next`).
        """
    ),
    py(
        """
        f = jm.funnel(log, STEPS)
        f[["step", "touchpoint", "journeys", "conversion_from_previous", "conversion_from_first",
           "median_time_from_previous", "dropped", "went_elsewhere"]]
        """
    ),
    py(
        """
        if HAVE_REAL:
            # the published figures of this log
            assert f["journeys"].tolist() == [13087, 7367, 5113, 5015, 2246], f["journeys"].tolist()
            print("submitted 13,087 → pre-accepted 7,367 → accepted 5,113 → finalized 5,015 → approved 2,246")
        """
    ),
    py(
        """
        def plot_funnel(f, title, ax=None):
            ax = ax or plt.subplots(figsize=(8, 0.45 * len(f) + 1))[1]
            ax.barh(f["touchpoint"], f["journeys"], color="#4c72b0")
            ax.invert_yaxis()
            for y, (n, share) in enumerate(zip(f["journeys"], f["conversion_from_first"])):
                ax.text(n, y, f" {n:,} ({share:.0%})", va="center", fontsize=9)
            ax.set_xlim(0, f["journeys"].max() * 1.25)
            ax.set_xlabel("journeys reaching the step")
            ax.set_title(title)
            ax.spines[["top", "right"]].set_visible(False)
            return ax

        plot_funnel(f, "Loan applications, BPI Challenge 2012" if HAVE_REAL else "Sample purchase funnel")
        plt.show()
        """
    ),
    md(
        """
        The biggest losses are the first step (submitted → pre-accepted) and the last
        (finalized → approved). `lost_next` says what came right after the last step
        reached; for the loan log the next event is mostly an automatic state, so the
        more telling question is how each journey finally *ended*.

        ## 3. How did the others end?

        The last outcome event of each journey (approved, declined, cancelled) or
        none yet: *still open*. (For the sample, a journey without a purchase or a
        cancellation is still open only if journeymine flagged it ongoing; otherwise
        it ended without a purchase.)
        """
    ),
    py(
        """
        ev = log.events
        last_outcome = (
            ev[ev["activity"].isin(list(OUTCOMES))]
            .groupby("case_id", observed=True)["activity"].last().astype(str).map(OUTCOMES)
        )
        outcome = last_outcome.reindex(log.cases["case_id"].astype(str))
        if HAVE_REAL:
            # every finished application ends in one of the final states: without one it is still open
            outcome = outcome.fillna("still open")
        else:
            # the sample's journeys were cut at 30 silent days: journeymine flags the ongoing ones
            no_outcome = np.where(log.cases["ongoing"], "still open", "ended, no purchase")
            outcome = outcome.fillna(pd.Series(no_outcome, index=outcome.index))
        outcome.index = log.cases["case_id"]
        outcome.value_counts()
        """
    ),
    md(
        """
        Which step did each journey reach last? `funnel` gives counts only, so we mark
        the furthest step a journey reached by presence of the step's touchpoint (for
        the loan log, where every state occurs at most once and in this order, that is
        exactly the funnel's rule), and cross it with the outcome:
        """
    ),
    py(
        """
        has = {step: ev.loc[ev["activity"] == step, "case_id"].astype(str).unique() for step in STEPS}
        furthest = pd.Series("(none)", index=log.cases["case_id"].astype(str))
        reached = pd.Series(True, index=furthest.index)
        for step in STEPS:
            reached &= furthest.index.isin(has[step])
            furthest[reached] = step
        table = pd.crosstab(pd.Categorical(furthest, categories=["(none)", *STEPS]),
                            outcome.to_numpy(), margins=True)
        table.index.name, table.columns.name = "furthest step", "outcome"
        table
        """
    ),
    md(
        """
        For the loan log: almost every application that stops after *submitted* is
        declined (by the bank, within a minute: an automatic check), while most that
        stop after *finalized* are cancelled, i.e. by the customer, after an offer.
        Those are two different problems with two different owners, hidden in one
        funnel step each.

        ## 4. Ongoing is not lost

        The log was extracted on 14 March 2012. An application submitted a week before
        had no chance to be approved yet; counting it as a drop-off would make the most
        recent month look worst. By month of submission:
        """
    ),
    py(
        """
        local = log.cases.set_index("case_id")["start"].dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        by_month = pd.crosstab(local.dt.to_period("M").to_numpy(), outcome.to_numpy(), normalize="index").round(3)
        by_month.index.name, by_month.columns.name = "started", "outcome"
        by_month
        """
    ),
    md(
        """
        The share still open rises sharply in the last month: a funnel of that month
        alone would understate approval by as much. journeymine never counts
        ongoing journeys as lost: journeys cut by `split_journeys` are flagged in
        `log.cases["ongoing"]` when their last event is close to the end of the data,
        and every rate leaves them out. This log comes with its own cases, so here we
        exclude the open applications ourselves with `select_cases` and compare:
        """
    ),
    py(
        """
        closed = log.select_cases((outcome != "still open").to_numpy())
        compare_rates = pd.DataFrame({
            "all journeys": jm.funnel(log, STEPS).set_index("touchpoint")["conversion_from_first"],
            "finished journeys only": jm.funnel(closed, STEPS).set_index("touchpoint")["conversion_from_first"],
        })
        print(f"{log.n_cases - closed.n_cases:,} journeys still open left out")
        compare_rates.round(3)
        """
    ),
    md(
        """
        Overall the open journeys are few, so the rates barely move; per month, or on a
        log extracted days after a campaign, they are the difference between a problem
        and a delay.

        ## 5. How long each step takes

        `median_time_from_previous` above is the median wait between two funnel steps.
        With `within`, a journey counts only if it reaches a step within that time of
        its first step: how many applications are approved within two weeks, a month,
        two months of submission?
        """
    ),
    py(
        """
        pd.DataFrame({
            window: jm.funnel(closed, STEPS, within=window).set_index("touchpoint")["journeys"]
            for window in ["14D", "30D", "60D"]
        } | {"any time": jm.funnel(closed, STEPS).set_index("touchpoint")["journeys"]})
        """
    ),
    md(
        """
        ## 6. Where journeys end without reaching the goal

        `dropoffs` splits the journeys that reach each touchpoint into converted, lost
        there, ongoing and other, and ranks touchpoints by the conversions they lose:
        the journeys lost there, times how often those who went on converted.
        """
    ),
    py(
        """
        drops = jm.dropoffs(closed, goal=GOAL)
        drops[["touchpoint", "journeys", "converted", "lost", "exit_rate", "continuing_conversion",
               "conversions_lost"]].head(8)
        """
    ),
    md(
        """
        In the loan log the top rows are work items (Dutch): *W_Completeren aanvraag*
        (complete the application), *W_Afhandelen leads* (follow up leads),
        *W_Nabellen offertes* (call customers about their offers), *W_Valideren
        aanvraag* (validate the application). Applications that end while staff are
        still completing the application, or following up a lead, lose the most
        approvals: the bank's work, not the customer's choice, is where the funnel
        leaks.

        ## 7. The map of application states

        The full map has every work item and offer state. Keeping only the journey's
        own states (for the loan log the `A_` events; the sample keeps its main
        touchpoints) gives a readable map of the funnel's paths:
        """
    ),
    py(
        """
        keep = ev["activity"].astype(str).str.startswith("A_") if HAVE_REAL else pd.Series(True, index=ev.index)
        states = jm.from_pandas(ev[keep], case="case_id", activity="activity", timestamp="timestamp")
        jm.plot_journey(jm.discover(states), max_nodes=12,
                        title="Application states" if HAVE_REAL else "Sample journeys")
        plt.show()
        """
    ),
    md(
        """
        ## 8. Does the funnel differ by segment?

        One funnel per segment (for the loan log, the amount requested in four bands;
        for the sample, the acquisition channel), on finished journeys. A difference
        here is a lead, not a conclusion: `03-assumed-vs-observed.ipynb` shows how to
        test it.
        """
    ),
    py(
        """
        seg = segment.astype(str).reindex(closed.cases["case_id"].astype(str)).to_numpy()
        values = segment.cat.categories if hasattr(segment, "cat") else sorted(set(seg))
        rows = {}
        for value in values:
            part = closed.select_cases(seg == value)
            rows[f"{value} ({part.n_cases:,})"] = jm.funnel(part, STEPS).set_index("touchpoint")["conversion_from_first"]
        by_segment = pd.DataFrame(rows).T.round(3)
        by_segment.index.name = segment.name
        by_segment
        """
    ),
    md(
        """
        ## Summary

        * The funnel and its published figures come out of one call; `lost_next`,
          outcomes and the furthest step reached say *why* journeys leave.
        * The two large losses have different owners: an automatic decline right after
          submission, and cancellations after the offer.
        * Open journeys at the end of the data are not losses: leave them out (or let
          `split_journeys` flag them) before comparing months.
        * `within=` turns a funnel into a service-level question: approved within 30
          days?
        """
    ),
]
