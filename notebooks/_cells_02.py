"""Cells of 02-handoffs-and-silence.ipynb (written by _build.py)."""

from _build import md, py

CELLS = [
    md(
        """
        # Handoffs and silence: who passes the customer on, and who keeps them waiting

        Customers rarely complain about a touchpoint; they complain about being passed
        from one department to the next, about hearing nothing for two weeks, and about
        having to explain their problem again on another channel. This notebook
        measures those three things:

        1. **handoffs** between departments, what they cost in delay and conversion,
           and the ping-pong where a case bounces straight back;
        2. **silent gaps**, unusually long waits, and *whose turn* it was;
        3. **repeat contacts**, the customer coming back on another channel within days.

        First on the bundled sample, whose planted problems we know, then on two real
        logs: the receipt phase of a Dutch municipality's building-permit process and
        the ticket log of an Italian software company's help desk (read from
        `../shared/data/real/` from the repository root; skipped when absent).
        """
    ),
    py(
        """
        import os
        import warnings
        from pathlib import Path

        import matplotlib.pyplot as plt
        import pandas as pd

        import journeymine as jm

        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\n"
        plt.rcParams["figure.dpi"] = 80
        pd.set_option("display.max_columns", 12)
        pd.set_option("display.width", 160)
        pd.set_option("display.max_colwidth", 60)
        pd.set_option("display.precision", 3)

        # the public logs live next to the repository, in ../shared/data/real/ (from the repository root)
        if "JOURNEYMINE_REAL_DATA" in os.environ:
            REAL = Path(os.environ["JOURNEYMINE_REAL_DATA"])
        else:
            candidates = [Path("../../shared/data/real"), Path("../shared/data/real")]  # from notebooks/, from the root
            REAL = next((p for p in candidates if p.is_dir()), candidates[0])
        HAVE_RECEIPT = (REAL / "receipt.csv.gz").is_file()
        HAVE_HELPDESK = (REAL / "helpdesk.xes.gz").is_file()
        print("receipt log:", "found" if HAVE_RECEIPT else "not found, that part is skipped")
        print("helpdesk log:", "found" if HAVE_HELPDESK else "not found, that part is skipped")
        """
    ),
    md(
        """
        ## Part 1: the sample

        The bundled sample: 8,000 journeys over 2025, with departments (marketing,
        sales, onboarding, support, billing) and a direction on every event.
        """
    ),
    py(
        """
        log = jm.datasets.load_sample()
        print(log)
        departments = jm.discover(log, level="department", collapse_repeats=True)
        jm.plot_journey(departments, title="How journeys move between departments")
        plt.show()
        """
    ),
    md(
        """
        ### Handoffs and what they cost

        A handoff is a change of department between two consecutive events of a journey
        that have one. Per pair: how often, how long the customer waited in between,
        how often it bounced straight back (`ping_pongs`), how often the customer had
        to contact the company again within a week (`repeat_contact_share`), and, with
        a goal, how journeys with the handoff convert against those without
        (`conversion_difference` with its 95% interval). `conversions_lost` charges a
        pair with the conversions its bad outcomes are associated with.
        """
    ),
    py(
        """
        h = jm.handoffs(log, goal="purchase")
        h[["from", "to", "handoffs", "median_delay", "ping_pongs", "repeat_contact_share",
           "conversion_difference", "difference_low", "difference_high", "conversions_lost"]].head(8)
        """
    ),
    md(
        """
        **support → billing** leads: it is a common handoff, and 397 of them bounce
        straight back to support. The handoff itself is not the problem (journeys with
        it convert *better*, they are customers with a billing question on the way to
        a purchase); the bounce is. Let us look at one such journey:
        """
    ),
    py(
        """
        ev = log.events
        bounced = ev.loc[ev["activity"] == "transfer back to support", "case_id"].iloc[0]
        ev.loc[ev["case_id"] == bounced, ["timestamp", "activity", "channel", "department", "direction"]]
        """
    ),
    md(
        """
        A billing question in a support chat is transferred to billing and straight
        back to support, and the next day the customer *calls* with a billing
        complaint. How do journeys with that ping-pong convert, against journeys that
        had the same handoff and got an answer?
        """
    ),
    py(
        """
        sb = h[(h["from"] == "support") & (h["to"] == "billing")].iloc[0]
        print(f"journeys with a support -> billing ping-pong: {sb.ping_pong_journeys}, "
              f"conversion {sb.ping_pong_conversion:.1%}")
        print(f"difference against the other support -> billing journeys: {sb.ping_pong_difference:+.1%}")
        """
    ),
    md(
        """
        The same analysis works on any column: `level="channel"` gives channel switches
        (a customer moving from email to the app), `level="resource"` agent changes.
        """
    ),
    py(
        """
        jm.handoffs(log, level="channel")[["from", "to", "handoffs", "median_delay", "repeat_contact_share"]].head(5)
        """
    ),
    md(
        """
        ### Silent gaps, and whose turn it was

        Every step has its own normal pace: a reply to a ticket takes hours, an
        onboarding email follows a trial within an hour, a repeat purchase takes
        months. A gap is *silent* when it is far longer than its own step's usual wait
        (7 times the typical wait learnt from the data, and at least a day). Whose turn
        it was follows from the event *before* the silence: after an inbound event
        (the customer asked) the customer is waiting on the company; after an outbound
        one (the company acted) the company is waiting on the customer.
        """
    ),
    py(
        """
        silent = jm.silent_gaps_summary(log)
        silent[["from_activity", "to_activity", "gaps", "silent", "share", "expected_gap",
                "median_silent_gap", "waiting_on_company", "waiting_on_customer"]].head(6)
        """
    ),
    md(
        """
        One in three waits between *support ticket opened* and *support reply* is a
        silence of about two weeks, while the others take hours, and every one of them
        leaves the customer waiting on the company. The distribution of all waits on
        that step shows the two groups, and the line the analysis drew between them:
        """
    ),
    py(
        """
        import numpy as np

        steps = jm.transitions(log)
        waits = steps[(steps["source"] == "support ticket opened") & (steps["target"] == "support reply")]["gap"]
        row = silent.iloc[0]
        hours = waits.dt.total_seconds() / 3600
        fig, ax = plt.subplots(figsize=(8, 3))
        ax.hist(hours, bins=np.logspace(-1, np.log10(hours.max() * 1.2), 40), color="#4c72b0")
        ax.set_xscale("log")
        ax.axvline(row.threshold.total_seconds() / 3600, color="#c0504d", linestyle="--",
                   label=f"silent above {row.threshold.round('h')}")
        ax.axvline(row.expected_gap.total_seconds() / 3600, color="#555555", linestyle=":",
                   label=f"typical wait {row.expected_gap.round('min')}")
        ax.set_xlabel("wait from ticket to reply (hours, log scale)")
        ax.set_ylabel("waits")
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        """
    ),
    md(
        """
        `silent_gaps` lists the silences one by one, to hand to the team that owns
        them; `unanswered` lists journeys that *ended* on a customer's move that
        normally gets an answer and got none: a demo requested on the website and
        never followed up, a trial started without an onboarding email, a support
        email without a reply (ongoing journeys are flagged: the customer may still be
        waiting).
        """
    ),
    py(
        """
        jm.silent_gaps(log).head(5)
        """
    ),
    py(
        """
        unanswered = jm.unanswered(log)
        print(f"{len(unanswered)} journeys end on an unanswered contact")
        unanswered.groupby(["activity", "channel"], observed=True).size().sort_values(ascending=False).head(6)
        """
    ),
    md(
        """
        ### Repeat contacts

        A contact is an inbound event on a channel that is not self-service (web and
        app browsing is not contacting the company). It is *repeated* when the
        journey's next contact follows within a week. By channel, and as whole chains
        of touchpoints:
        """
    ),
    py(
        """
        jm.repeat_contacts(log, window="7D")
        """
    ),
    py(
        """
        jm.repeat_contacts(log, window="7D", level="activity", chains=True).head(5)
        """
    ),
    md(
        """
        Both planted problems are there: the billing question that comes back as a
        complaint call (the ping-pong above), and customers who email support, chat the
        next day, then call: the email was not answered well enough, twice.

        ## Part 2: the municipality's receipt process (real data)

        The receipt phase of a building-permit process at a Dutch municipality
        (CoSeLoG project): 1,434 cases, each with its intake channel (`case:channel`:
        Internet, Desk, Post, e-mail) and the group that did each task (`org:group`).
        The CSV uses pm4py's column convention, so we name the columns. Tasks without
        a group say `EMPTY`: we read that as missing, so it is no department.
        """
    ),
    py(
        """
        if HAVE_RECEIPT:
            receipt = jm.read_csv(REAL / "receipt.csv.gz",
                                  case="case:concept:name", activity="concept:name",
                                  timestamp="time:timestamp", channel="case:channel",
                                  department="org:group", resource="org:resource",
                                  read_options={"na_values": ["EMPTY"]})
            print(receipt)
            print(receipt.events["department"].value_counts(dropna=False).head(6))
        """
    ),
    py(
        """
        if HAVE_RECEIPT:
            rh = jm.handoffs(receipt, level="department")
            display(rh[["from", "to", "handoffs", "journeys", "median_delay", "p90_delay", "ping_pongs"]].head(8))
        """
    ),
    md(
        """
        Most handoffs between groups take under a minute: the same clerk moves the
        file on. The slow ones are where the case waits for another group
        (Group 1 → Group 2 takes a day at the median, and one in ten over a week). The log
        has no direction (every event is the municipality's own work), so the analyses
        that need one say so instead of guessing:
        """
    ),
    py(
        """
        if HAVE_RECEIPT:
            try:
                jm.repeat_contacts(receipt)
            except jm.MissingColumnError as error:
                print(f"{type(error).__name__}: {error}")
        """
    ),
    md(
        """
        Silent gaps still work, learnt per step; only `waiting_on` is `unknown`. Which
        steps go silent most often, and does it depend on how the application came in?
        """
    ),
    py(
        """
        if HAVE_RECEIPT:
            rs = jm.silent_gaps_summary(receipt)
            display(rs[["from_activity", "to_activity", "gaps", "silent", "share", "expected_gap",
                        "median_silent_gap"]].head(5))
            gaps = jm.silent_gaps(receipt)
            channel = receipt.events.groupby("case_id", observed=True)["channel"].first()
            share = (channel.reindex(gaps["case_id"].unique()).value_counts() / channel.value_counts()).dropna()
            print("share of cases with a silent gap, by intake channel:")
            print(share.sort_values(ascending=False).round(3).to_string())
        """
    ),
    md(
        """
        ## Part 3: the help desk (real data)

        Ticket handling at an Italian software company: 4,580 tickets. The log has
        agents (`org:resource`) but no departments and no direction, so the handoffs
        are between agents, and silence is measured against a fixed limit of a week.
        """
    ),
    py(
        """
        if HAVE_HELPDESK:
            helpdesk = jm.read_xes(REAL / "helpdesk.xes.gz")
            print(helpdesk)
            all_gaps = jm.transitions(helpdesk)["gap"]
            print(f"gaps between consecutive events: {len(all_gaps):,}; "
                  f"over 7 days: {(all_gaps > pd.Timedelta('7D')).mean():.0%}; "
                  f"over 1 day: {(all_gaps > pd.Timedelta('1D')).mean():.0%}")
        """
    ),
    py(
        """
        if HAVE_HELPDESK:
            agents = jm.handoffs(helpdesk, level="resource")
            display(agents[["from", "to", "handoffs", "median_delay", "p90_delay", "ping_pongs"]].head(6))
        """
    ),
    md(
        """
        Passing a ticket from one agent to another costs days: a median of five from
        *Value 1* to *Value 2*, and one in ten such tickets waits over two weeks.

        Which silences matter? A fixed limit of a week is the obvious first try:
        """
    ),
    py(
        """
        if HAVE_HELPDESK:
            week = jm.silent_gaps_summary(helpdesk, threshold="7D")
            display(week[["from_activity", "to_activity", "gaps", "silent", "share", "median_gap"]].head(4))
        """
    ),
    md(
        """
        It mostly finds *Resolve ticket → Closed*, where nearly every gap is about 30
        days: that is the help desk's rule of closing a resolved ticket after a month,
        not a customer left waiting. This is why, by default, journeymine learns each
        step's own pace and flags gaps far beyond *it*:
        """
    ),
    py(
        """
        if HAVE_HELPDESK:
            learnt = jm.silent_gaps_summary(helpdesk)
            display(learnt[["from_activity", "to_activity", "gaps", "silent", "share", "expected_gap",
                            "median_silent_gap"]].head(6))
        """
    ),
    md(
        """
        Now the silences are where work should be happening: after *Take in charge
        ticket* (the ticket has an owner, and nothing happens for days), and after
        *Assign seriousness*. Without a direction the log cannot say whose turn each
        one was; mapping one (which touchpoints are the customer's, which the
        company's) is the next step for this team.

        ## Summary

        * `handoffs` ranks department pairs by what they cost; the ping-pong, not the
          handoff, is what hurts conversion in the sample.
        * `silent_gaps_summary` learns each step's own pace and flags the silences;
          with a `direction` column it says whose turn it was.
        * `repeat_contacts` finds the customer who had to ask again, and on which
          channel; `level="activity", chains=True` shows the whole chain.
        * Real logs often lack direction or departments: the analyses that need them
          say so and how to map them; the others still work (`level="resource"`,
          `threshold=`).
        """
    ),
]
