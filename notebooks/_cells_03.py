"""Cells of 03-assumed-vs-observed.ipynb (written by _build.py)."""

from _build import md, py

CELLS = [
    md(
        """
        # Assumed versus observed: defending each difference

        A journey team drew the purchase journey in a workshop. This notebook holds
        that map against a year of event data, then looks at whether one map fits all
        customers (segments, personas). It is written for the researcher who has to
        present the result and will be asked, for every difference: *how sure are you?*

        Differences come in three kinds, and each needs a different defence:

        1. **Structural**: a touchpoint the map does not have, a step owned by another
           department, a transition nobody drew. These are counts over the whole log,
           not estimates; the defence is the data itself (and its completeness).
        2. **A rate against an assumption**: "nearly every buyer starts a trial", "the
           onboarding email goes out within the hour". The defence is a confidence
           interval and a test against the assumed rate.
        3. **A difference between groups**: "partner customers behave differently".
           The defence is a test per comparison, corrected for how many comparisons
           were made.

        We collect the evidence as we go and end with one table.
        """
    ),
    py(
        """
        import os
        import warnings
        from pathlib import Path

        import matplotlib.pyplot as plt
        import pandas as pd
        from scipy.stats import binomtest

        import journeymine as jm

        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\n"
        plt.rcParams["figure.dpi"] = 80
        pd.set_option("display.max_columns", 14)
        pd.set_option("display.width", 160)
        pd.set_option("display.max_colwidth", 60)
        pd.set_option("display.precision", 3)

        # the public logs live next to the repository, in ../shared/data/real/ (from the repository root)
        if "JOURNEYMINE_REAL_DATA" in os.environ:
            REAL = Path(os.environ["JOURNEYMINE_REAL_DATA"])
        else:
            candidates = [Path("../../shared/data/real"), Path("../shared/data/real")]  # from notebooks/, from the root
            REAL = next((p for p in candidates if p.is_dir()), candidates[0])
        HAVE_RECEIPT = (REAL / "receipt.bpmn").is_file() and (REAL / "receipt.csv.gz").is_file()
        print("receipt log and BPMN model:", "found" if HAVE_RECEIPT else "not found, that part is skipped")

        evidence = []  # one row per claim: what we claim, the figure, its interval, the test


        def share_with_ci(k, n):
            \"\"\"A share with its 95% Wilson interval.\"\"\"
            ci = binomtest(int(k), int(n)).proportion_ci(method="wilson")
            return k / n, ci.low, ci.high
        """
    ),
    md(
        """
        ## 1. The assumed journey, written down

        The team's map as YAML: stages in order, each with its steps, the channel and
        department the team believes own each step, which steps are optional, and how
        long a step should take at most after the previous one (`max_wait`). We write
        it next to this notebook, where it can be reviewed and versioned like code.
        """
    ),
    py(
        """
        ASSUMED = '''\\
        name: designed purchase journey
        description: The purchase journey as the growth team drew it in the 2025 workshop.
        goal: purchase
        stages:
          - name: awareness
            steps:
              - {name: ad click, channel: web, department: marketing}
              - {name: visit homepage, channel: web, department: marketing}
          - name: consideration
            steps:
              - {name: view pricing, channel: web, department: sales}
              - {name: request demo, channel: web, department: sales, optional: true}
          - name: trial
            steps:
              - {name: start trial, channel: web, department: sales}
              - {name: onboarding email, channel: email, department: onboarding, max_wait: 1h}
              - {name: install app, channel: app, department: onboarding, optional: true}
          - name: purchase
            steps:
              - {name: enter payment details, channel: web, department: billing, max_wait: 14D}
              - {name: purchase, channel: web, department: billing, max_wait: 1h}
              - {name: receipt email, channel: email, department: billing, max_wait: 10min}
        '''
        Path("assumed_journey.yaml").write_text(ASSUMED, encoding="utf-8")
        assumed = jm.AssumedJourney.from_file("assumed_journey.yaml")
        assumed
        """
    ),
    md(
        """
        ## 2. Against every journey, and against the buyers

        `compare` matches each journey's events to the map's steps and scores it with a
        fitness in [0, 1] (1: it follows the map, in order, with no extra touchpoints).
        """
    ),
    py(
        """
        log = jm.datasets.load_sample()
        everyone = jm.compare(log, assumed)
        everyone.summary()
        """
    ),
    md(
        """
        Almost no journey fits, and the top deviations are missing steps at the end:
        most journeys never get to *purchase*. That is not a flaw of the map: it
        describes the path to a purchase, and most journeys do not purchase. Holding a
        purchase map against non-buyers mixes two questions (do people buy? do buyers
        follow the map?). A researcher separates them: the buyers are the journeys
        that reach the goal.
        """
    ),
    py(
        """
        converted = jm.case_goals(log, "purchase")["converted"].to_numpy()
        buyers_log = log.select_cases(converted)
        buyers = jm.compare(buyers_log, assumed)
        print(buyers)
        buyers.steps[["step", "required", "contains", "skipped", "out_of_order", "channel_match",
                      "department_match"]]
        """
    ),
    md(
        """
        ## 3. Structural differences

        **Touchpoints the map does not have.** Among buyers, `use app` is everywhere,
        and the map has only *install app*. `near_step` hints at naming mismatches
        (the same step under another name) rather than missing steps.
        """
    ),
    py(
        """
        buyers.unexpected_touchpoints.head(6)
        """
    ),
    py(
        """
        row = buyers.unexpected_touchpoints.iloc[0]
        share, low, high = share_with_ci(row.journeys, buyers.n_journeys)
        evidence.append({"kind": "structural", "claim": f"buyers use '{row.touchpoint}', which the map lacks",
                         "observed": share, "ci_low": low, "ci_high": high,
                         "test": "count over the whole log (Wilson interval if it is a sample)", "p_value": None})
        print(f"{row.touchpoint}: {row.journeys} of {buyers.n_journeys} buyers ({share:.1%}, 95% CI {low:.1%} to {high:.1%})")
        """
    ),
    md(
        """
        **Transitions nobody drew**, the most frequent first. A direct step from the app
        to the payment page means customers buy *in the app*, a path the map has no
        place for:
        """
    ),
    py(
        """
        buyers.unexpected_transitions[["source", "target", "journeys", "share", "median_gap"]].head(6)
        """
    ),
    md(
        """
        **Ownership.** `department_match` is the share of a step's events in the
        department the map names. The map gives *purchase* to billing; in the data
        every purchase event belongs to sales. That is a fact about the data (or about
        how the systems label ownership), and worth a conversation before anyone acts
        on a handoff analysis.
        """
    ),
    py(
        """
        mismatch = buyers.steps[buyers.steps["department_match"] < 1][["step", "department", "department_match"]]
        for step in mismatch.itertuples():
            actual = log.events.loc[log.events["activity"] == step.step, "department"].value_counts().index[0]
            evidence.append({"kind": "structural", "claim": f"'{step.step}' is owned by {actual}, not {step.department}",
                             "observed": step.department_match, "ci_low": None, "ci_high": None,
                             "test": "share of its events in the assumed department", "p_value": None})
        mismatch
        """
    ),
    md(
        """
        The map drawn over the observed buyers' map: assumed steps and edges, the
        observed flows, and what the map misses.
        """
    ),
    py(
        """
        jm.plot_comparison(buyers)
        plt.show()
        """
    ),
    md(
        """
        ## 4. Rates against an assumption

        The team's claims, stated as rates, each with a 95% interval and a one-sided
        binomial test against what the team assumed.

        **"Nearly every buyer starts a trial first (at least 90%)."**
        """
    ),
    py(
        """
        trial = buyers.steps.set_index("step").loc["start trial"]
        k = int(trial.journeys)
        n = buyers.n_journeys
        share, low, high = share_with_ci(k, n)
        test = binomtest(k, n, p=0.9, alternative="less")
        evidence.append({"kind": "rate", "claim": "at least 90% of buyers start a trial",
                         "observed": share, "ci_low": low, "ci_high": high,
                         "test": "binomial, H0: share >= 0.90", "p_value": test.pvalue})
        print(f"{k} of {n} buyers started a trial: {share:.1%} (95% CI {low:.1%} to {high:.1%}); "
              f"one-sided binomial test against 90%: p = {test.pvalue:.2g}")
        """
    ),
    md(
        """
        **"The onboarding email goes out within the hour."** The `timing` table gives,
        per step with a `max_wait`, how many journeys waited longer. The team would
        accept 5% late; is it more?
        """
    ),
    py(
        """
        timing = buyers.timing.set_index("step")
        display(timing.loc[timing["max_wait"].notna(), ["max_wait", "journeys", "median", "p90", "over", "share_over"]])
        email = timing.loc["onboarding email"]
        share, low, high = share_with_ci(email.over, email.journeys)
        test = binomtest(int(email.over), int(email.journeys), p=0.05, alternative="greater")
        evidence.append({"kind": "rate", "claim": "at most 5% of onboarding emails later than 1h",
                         "observed": share, "ci_low": low, "ci_high": high,
                         "test": "binomial, H0: late share <= 0.05", "p_value": test.pvalue})
        print(f"late: {share:.1%} (95% CI {low:.1%} to {high:.1%}); p = {test.pvalue:.2g}")
        """
    ),
    md(
        """
        The onboarding email follows the trial after about an hour at the median: an
        SLA of one hour is missed about half the time. Either the process or the SLA
        is wrong; the data cannot say which, but it can say that the gap is not
        chance.

        ## 5. Differences between groups: segments

        The map assumes one journey for every customer. `compare_segments` tests, for
        customers acquired through ads versus partners: conversion, duration,
        handoffs, and for every step the drop-off and the next step taken. With that
        many tests some will be "significant" by chance, so p-values are adjusted
        (Benjamini-Hochberg, false discovery rate 5%) over *all* of them.
        """
    ),
    py(
        """
        segments = jm.compare_segments(log, "acquisition", goal="purchase")
        print(segments)
        segments.segments
        """
    ),
    py(
        """
        cols = ["metric", "step", "value_a", "value_b", "difference", "ci_low", "ci_high",
                "effect_size", "effect_measure", "test", "p_adjusted"]
        segments.significant[cols]
        """
    ),
    py(
        """
        d = segments.differences
        conversion = d[d["metric"] == "conversion"].iloc[0]
        print(f"conversion: ads {conversion.value_a:.1%}, partner {conversion.value_b:.1%}, "
              f"p = {conversion.p_value:.3f} unadjusted, {conversion.p_adjusted:.3f} adjusted")
        for r in segments.significant.itertuples():
            evidence.append({"kind": "segments", "claim": f"ads vs partner differ in {r.metric}" + (f" at '{r.step}'" if isinstance(r.step, str) else ""),
                             "observed": r.difference, "ci_low": r.ci_low, "ci_high": r.ci_high,
                             "test": f"{r.test}, BH-adjusted", "p_value": r.p_adjusted})
        evidence.append({"kind": "segments", "claim": "ads vs partner differ in conversion",
                         "observed": conversion.difference, "ci_low": conversion.ci_low, "ci_high": conversion.ci_high,
                         "test": f"{conversion.test}, BH-adjusted", "p_value": conversion.p_adjusted})
        """
    ),
    md(
        """
        The honest reading: partner customers go from *view pricing* to *start trial*
        far more often (the drop-off at pricing is a third of the ads customers' and
        the next step differs), and their journeys are longer with more handoffs. The
        overall conversion difference (about two points) looks real before the
        correction and does not survive it: do not claim it from this data.

        ## 6. Personas: is there more than one journey?

        `personas` clusters journeys on their touchpoints, channel mix, frequent
        transitions, duration and outcome. Without `n`, it picks the number of
        clusters by the silhouette score on a seeded sample. Look at the curve before
        trusting the choice: a clear peak is a natural number of personas; a curve
        without one (a zig-zag, or still rising at the end of the range tried) says
        the journeys form a continuum, and the number is ours to choose.
        """
    ),
    py(
        """
        found = jm.personas(log, goal="purchase", seed=0)
        print(found)
        ax = found.silhouette.plot(x="k", y="silhouette", marker="o", legend=False, figsize=(5, 2.5))
        ax.set_xlabel("number of personas")
        ax.set_ylabel("silhouette")
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        curve = found.silhouette.set_index("k")["silhouette"]
        print(f"highest silhouette: {curve.idxmax()} personas ({curve.max():.2f}); chosen: {found.n}, "
              f"the smallest number within 0.02 of it ({curve[found.n]:.2f})")
        """
    ),
    md(
        """
        Silhouettes this low (well under 0.5) and this close together mean weakly
        separated clusters: personas here are a summary, not a discovery. That is why
        `personas` prefers the smallest number of clusters that scores nearly as well
        as the best. Whatever the number, check its **stability**: run it again with
        another seed and measure the agreement (adjusted Rand index: 1 is identical, 0
        is chance).
        """
    ),
    py(
        """
        from sklearn.metrics import adjusted_rand_score

        p0 = jm.personas(log, n=4, goal="purchase", seed=0)
        p1 = jm.personas(log, n=4, goal="purchase", seed=1)
        ari = adjusted_rand_score(p0.assignment["persona"].astype(str), p1.assignment["persona"].astype(str))
        evidence.append({"kind": "personas", "claim": "four personas are stable across seeds",
                         "observed": ari, "ci_low": None, "ci_high": None,
                         "test": "adjusted Rand index, seed 0 vs 1", "p_value": None})
        print(f"adjusted Rand index between seeds: {ari:.2f}")
        p0.profiles[["persona", "journeys", "share", "conversion", "median_duration", "typical_path",
                     "dominant_channels"]]
        """
    ),
    md(
        """
        The persona that converts best, and its own journey map: compare it with the
        assumed map above (the app, the payment page reached from the app, the service
        contacts on the way).
        """
    ),
    py(
        """
        best = p0.profiles.sort_values("conversion", ascending=False).iloc[0]
        labelled = p0.label(log)
        maps = jm.discover(labelled, by="persona")
        jm.plot_journey(maps[best.persona], max_nodes=12,
                        title=f"Persona {best.persona}: {best.share:.0%} of journeys, {best.conversion:.0%} convert")
        plt.show()
        """
    ),
    md(
        """
        ## 7. A process model drawn in a modelling tool (real data)

        Maps are often drawn as BPMN. `AssumedJourney.from_bpmn` reads one (with
        pm4py), and `compare` replays every distinct variant of the log on it with
        pm4py's alignments. The municipality's receipt process and its BPMN model:
        """
    ),
    py(
        """
        if HAVE_RECEIPT:
            model = jm.AssumedJourney.from_bpmn(REAL / "receipt.bpmn")
            receipt = jm.read_csv(REAL / "receipt.csv.gz", case="case:concept:name", activity="concept:name",
                                  timestamp="time:timestamp", department="org:group",
                                  read_options={"na_values": ["EMPTY"]})
            replay = jm.compare(receipt, model)
            print(model)
            print(replay)
            display(replay.steps[["step", "journeys", "contains", "repeated"]].sort_values("journeys", ascending=False).head(8))
        """
    ),
    md(
        """
        Every case fits this model: it allows every path the cases take. A model that
        fits everything is a statement about the model's permissiveness as much as
        about the process; the journey questions (where cases wait, where they
        bounce) are for `02-handoffs-and-silence.ipynb`.

        ## 8. The evidence, in one table
        """
    ),
    py(
        """
        pd.DataFrame(evidence)
        """
    ),
    md(
        """
        * Structural differences are facts about the log: state them with counts, and
          check that the log is complete before generalising.
        * Rates against assumptions get an interval and a test against the assumed
          rate; "most" and "nearly all" should become numbers before the workshop.
        * Group differences are tested together and corrected for multiplicity; a
          difference that does not survive the correction is not a finding.
        * Personas are a summary, not a discovery: report the silhouette curve and
          the stability with them.
        """
    ),
]
